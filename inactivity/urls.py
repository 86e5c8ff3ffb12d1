from django.urls import path

from . import views

app_name = "inactivity"

urlpatterns = [
    path("keep/<str:token>/", views.keep, name="keep"),
]
