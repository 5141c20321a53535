from django.urls import path

from . import cards, views

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
    path("card/login/", cards.card_login, name="card_login"),
    path("card/pin/", cards.card_pin, name="card_pin"),
    path("card/", cards.card_home, name="card_home"),
    path("subsystems/<slug:code>/", cards.subsystem, name="subsystem"),
    path("ra/cards/", cards.ra_cards, name="ra_cards"),
    path("ra/cards/new/", cards.ra_card_new, name="ra_card_new"),
    path("ra/cards/<str:card_no>/", cards.ra_card, name="ra_card"),
    path("ra/cards/<str:card_no>/renew/", cards.ra_card_renew, name="ra_card_renew"),
    path("ra/cards/<str:card_no>/<slug:action>/", cards.ra_card_act, name="ra_card_act"),
]
