from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("register/", views.register, name="register"),
    path("password/", views.password_change, name="password_change"),
    path("entries/", views.entries, name="entries"),
    path("entries/new/", views.entry_new, name="entry_new"),
    path("entries/<int:app_id>/", views.entry_view, name="entry_view"),
    path("entries/<int:app_id>/edit/", views.entry_edit, name="entry_edit"),
    path("entries/<int:app_id>/delete/", views.entry_delete, name="entry_delete"),
    path("entries/<int:app_id>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("entries/<int:app_id>/attachments/<int:att_id>/", views.attachment_download, name="attachment_download"),
    path("entries/<int:app_id>/attachments/<int:att_id>/delete/", views.attachment_delete, name="attachment_delete"),
    path("status/", views.status_query, name="status"),
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/<int:step_id>/", views.review, name="review"),
    path("reviews/auto-review/", views.auto_review, name="auto_review"),
]
