from django.urls import path

from . import views

app_name = "refunds"

urlpatterns = [
    path("track/<str:token>/", views.track, name="track"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
