"""The two files browsers and crawlers ask every site for: /robots.txt and /favicon.ico."""

from django.http import HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

# Account, receipt and refund-tracking pages are personal: only the sign-in and sign-up are for crawlers.
ROBOTS = """User-agent: *
Allow: /sign-in/
Allow: /sign-up/
Disallow: /
"""


@require_GET
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    return HttpResponse(ROBOTS, content_type="text/plain; charset=utf-8")


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request):
    # Resolved per request: the hashed static name exists only once static files are collected.
    return redirect(static("favicon.svg"), permanent=False)
