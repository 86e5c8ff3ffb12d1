import os

# live_server runs beside the sync Playwright API in one thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytest_plugins = ["tests.fixtures", "fakestripe.pytest_plugin"]
