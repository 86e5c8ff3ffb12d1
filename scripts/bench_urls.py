"""The site's URLs plus /bench-ok/, a bare view that only answers "ok": the yardstick for page rates."""

from django.http import HttpResponse
from django.urls import include, path


def ok(request):
    return HttpResponse("ok")


urlpatterns = [path("bench-ok/", ok), path("", include("securus.urls"))]
