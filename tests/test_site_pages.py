"""The pages and files every site needs: 404 and 500 in the site's own layout (never Django's debug page
with DEBUG off), robots.txt and the favicon."""

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def test_404_is_the_sites_page(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We cannot find that page" in html and 'class="site-header"' in html
    assert "Traceback" not in html and "URLconf" not in html


def test_500_is_the_sites_page_without_a_request_context(settings):
    settings.DEBUG = False
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html and "(972) 734-1111" in html
    assert 'class="site-header"' in html


def test_robots_txt_keeps_crawlers_to_the_sign_in(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "Allow: /sign-in/" in body and "Disallow: /\n" in body


def test_favicon_points_at_the_site_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response.url.endswith("favicon.svg")
    page = client.get("/sign-in/").content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page
