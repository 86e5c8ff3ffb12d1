"""Test-only URLs while the accounts app has no "My Account" page yet: the project's URLs plus a minimal
accounts namespace whose home renders the real VideoConnect cards."""

from django.contrib import admin
from django.http import HttpResponse
from django.template import engines
from django.urls import include, path

_HOME = engines["django"].from_string(
    '{% extends "base.html" %}{% block content %}<h1>My Account</h1>'
    "{% load video_tags %}{% video_account_cards account %}{% endblock %}"
)


def home(request):
    return HttpResponse(_HOME.render({"account": request.user.account}, request))


def stub(request):
    return HttpResponse("")


accounts = (
    [
        path("account/", home, name="home"),
        path("settings/", stub, name="settings"),
        path("logout/", stub, name="logout"),
        path("login/", stub, name="login"),
    ],
    "accounts",
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("video/", include("video.urls")),
    path("refunds/", include("refunds.urls")),
    path("", include(accounts)),
]
