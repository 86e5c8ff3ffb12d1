from django.urls import path

from . import views

app_name = "deletion"

urlpatterns = [
    path("", views.home, name="home"),
    path("delete/", views.delete, name="delete"),
    path("delete/confirm/", views.delete_confirm, name="delete_confirm"),
    path("delete/done/<str:token>/", views.delete_done, name="delete_done"),
]
