from django.urls import path, re_path

from . import views

app_name = "pki"

urlpatterns = [
    path("ca.pem", views.ca_pem, name="ca_pem"),
    re_path(r"^(?P<which>root|issuing)\.cer$", views.ca_der, name="ca_der"),
    path("crl.der", views.crl_der, name="crl_der"),
    path("crl.pem", views.crl_pem, name="crl_pem"),
    path("delta-crl.der", views.crl_der, {"delta": True}, name="delta_crl_der"),
    path("delta-crl.pem", views.crl_pem, {"delta": True}, name="delta_crl_pem"),
    path("ocsp", views.ocsp_post, name="ocsp"),
    re_path(r"^ocsp/(?P<encoded>[A-Za-z0-9+/=%]+)$", views.ocsp_get, name="ocsp_get"),
]
