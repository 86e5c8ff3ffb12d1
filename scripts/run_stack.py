"""`make run`: the web site, a Celery worker, beat and the local fake Stripe server, stopped together."""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
sys.path.insert(0, str(ROOT))

from deletion.demo import ADMIN_EMAIL, ADMIN_PASSWORD, DEMO_PASSWORD, DEMO_SCENARIOS  # noqa: E402

SITE = "http://127.0.0.1:8000"


def site_answers(timeout: float = 60) -> bool:
    """Wait until the web server answers a page (any HTTP status counts: it is up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{SITE}/sign-in/", timeout=2).close()
            return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            time.sleep(0.5)
    return False


def banner() -> str:
    width = max(len(s["account"]["email"]) for s in DEMO_SCENARIOS) + 2
    lines = [
        "",
        f"Securus Online is running: {SITE}/   (Ctrl-C stops everything)",
        "",
        f"Sign in as (password {DEMO_PASSWORD}):",
        *(f"  {s['account']['email']:<{width}}{s['description']}" for s in DEMO_SCENARIOS),
        "",
        f"Customer care admin: {SITE}/admin/  as {ADMIN_EMAIL} / {ADMIN_PASSWORD}",
        "Start the demo over: stop this, then `make reset-demo`.",
        "",
    ]
    return "\n".join(lines)


FAKE_STRIPE = "http://127.0.0.1:12111/_fake/refunds"


def _wait_for(url, *, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return True
        except OSError:
            time.sleep(0.3)
    print(f"{url} did not answer in {seconds} s", flush=True)
    return False


def main():
    env = dict(os.environ)
    commands = {
        "web": [PY, "manage.py", "runserver", "127.0.0.1:8000"],
        "worker": [
            PY,
            "-m",
            "celery",
            "-A",
            "securus",
            "worker",
            "-l",
            "info",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
        ],
        "beat": [PY, "-m", "celery", "-A", "securus", "beat", "-l", "info", "-S", "django", "--pidfile="],
    }
    if (ROOT / "fakestripe" / "__main__.py").exists() and "STRIPE_API_BASE" not in os.environ:
        commands["stripe"] = [PY, "-m", "fakestripe", "--port", "12111"]
    procs = {name: subprocess.Popen(cmd, cwd=ROOT, env=env) for name, cmd in commands.items()}
    if "stripe" in procs and _wait_for(FAKE_STRIPE, seconds=30):
        # The fake starts empty: give the demo accounts their charges and subscriptions there again.
        subprocess.run([PY, "manage.py", "seed_demo_stripe"], cwd=ROOT, env=env, check=False)
    try:
        # The banner comes after the site answers, so it is the last thing printed before the logs.
        if site_answers():
            print(banner(), flush=True)
        else:
            print(f"The web server did not answer on {SITE} within a minute; see its log above.", flush=True)
        while all(p.poll() is None for p in procs.values()):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in procs.values():
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    main()
