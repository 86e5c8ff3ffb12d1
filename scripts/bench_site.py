"""Settings for `make bench`: the site's own, plus a bare view to compare pages against (bench_urls), and a
fast password hasher (hashing cost is a security setting, not what the benchmark measures)."""

from securus.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {  # noqa: F405
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
