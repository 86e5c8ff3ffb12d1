from django.urls import path

from . import views

app_name = "video"

urlpatterns = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscriptions/<int:subscription_id>/unsubscribe/", views.unsubscribe, name="unsubscribe"),
    path(
        "subscriptions/<int:subscription_id>/unsubscribe/confirm/",
        views.unsubscribe_confirm,
        name="unsubscribe_confirm",
    ),
    path(
        "subscriptions/<int:subscription_id>/unsubscribe/done/",
        views.unsubscribe_done,
        name="unsubscribe_done",
    ),
    path("subscriptions/<int:subscription_id>/stay/", views.unsubscribe_stay, name="unsubscribe_stay"),
    path("subscriptions/<int:subscription_id>/resume/", views.resume, name="resume"),
    path("sessions/<int:session_id>/cancel/", views.cancel_session, name="cancel_session"),
]
