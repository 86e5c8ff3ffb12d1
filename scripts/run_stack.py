"""`make run`: the web site, a Celery worker, beat and the local fake Stripe server, stopped together."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


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
    print("Securus Online on http://127.0.0.1:8000 (Ctrl-C stops everything)", flush=True)
    try:
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
