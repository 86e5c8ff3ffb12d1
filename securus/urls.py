from django.contrib import admin
from django.urls import include, path

from securus import health, site_files

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("robots.txt", site_files.robots_txt, name="robots_txt"),
    path("favicon.ico", site_files.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("video/", include("video.urls")),
    path("refunds/", include("refunds.urls")),
    path("inactivity/", include("inactivity.urls")),
    path("", include("accounts.urls")),
    path("", include("deletion.urls")),
]
