from django.contrib import admin
from django.urls import include, path

from securus import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("video/", include("video.urls")),
    path("refunds/", include("refunds.urls")),
    path("inactivity/", include("inactivity.urls")),
    path("", include("accounts.urls")),
    path("", include("deletion.urls")),
]
