"""Sign-in lockout (django-axes) for the family sign-in page and the admin alike: both sign in through
an AuthenticationForm, which passes the request to authenticate()."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Axes refuses an authenticate() call without a request. The only callers without one are trusted
    code paths (management commands, the test client's login()), which never face a guessing attacker;
    they fall through to the next backend instead of failing."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
