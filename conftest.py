import os

import pytest

# live_server runs beside the sync Playwright API in one thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytest_plugins = ["tests.fixtures", "fakestripe.pytest_plugin", "tests.workers"]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Transactional tests (live server, real workers, threads) run last, as in Django's own runner: their
    flush empties the rows data migrations wrote (roles, reasons), which later tests rely on. pytest-django
    orders them so, but pytest-playwright's grouping by browser undoes it; restore it, stably."""

    def transactional(item):
        marker = item.get_closest_marker("django_db")
        return bool(marker and marker.kwargs.get("transaction")) or bool(
            {"live_server", "transactional_db"} & set(getattr(item, "fixturenames", ()))
        )

    items.sort(key=transactional)
