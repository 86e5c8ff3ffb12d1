"""`make bench`: time and count queries of the deletion path and the family pages on PostgreSQL, for
accounts with a short and a long history. Queries must not grow with history; times are reported.

Uses its own database (securus_bench, created and migrated here), never the development one."""

import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "securus.settings")
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/securus_bench"
)
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")  # the test client speaks plain http
os.environ.setdefault("LOG_LEVEL", "WARNING")


def ensure_database():
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'securus_bench'").fetchone():
            conn.execute("CREATE DATABASE securus_bench")


def main():
    ensure_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from deletion.demo import long_history
    from deletion.scenario import load_scenario
    from deletion.services import delete_account, plan_deletion

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    call_command("migrate", verbosity=0)

    def account(n):
        email = f"bench-{n}-{uuid.uuid4().hex[:8]}@example.com"
        return load_scenario(data=long_history(email, n, password="Bench-pass-2026")), email

    def measure(fn, repeat=5):
        times, counts = [], []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as q:
                start = time.perf_counter()
                fn()
                times.append((time.perf_counter() - start) * 1000)
            counts.append(len(q))
        return statistics.median(times), max(counts)

    def page(client, path):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    rows = []
    for n in (1, 300, 3000):
        acct, email = account(n)
        client = Client()
        client.login(username=email, password="Bench-pass-2026")
        rows.append((f"GET My Account ({n} rows each)", *measure(lambda c=client: page(c, "/"))))
        rows.append((f"GET Delete Account preview ({n})", *measure(lambda c=client: page(c, "/delete/"))))
        rows.append((f"plan_deletion ({n})", *measure(lambda a=acct: plan_deletion(a))))
        rows.append(
            (
                f"delete_account ({n})",
                *measure(lambda a=acct: delete_account(a, actor=None, channel="web"), repeat=1),
            )
        )

    width = max(len(r[0]) for r in rows)
    print(f"{'what':<{width}}  {'median ms':>9}  {'queries':>7}")
    for name, ms, queries in rows:
        print(f"{name:<{width}}  {ms:9.1f}  {queries:7d}")

    from inactivity.bench import measure_sweep

    sweep = measure_sweep(int(os.environ.get("BENCH_INACTIVE_ACCOUNTS", "10000")))
    print(
        f"inactivity_sweep_per_min {sweep['inactivity_sweep_per_min']}"
        f"  (notices {sweep['notice_per_min']}/min, closures {sweep['close_per_min']}/min,"
        f" {sweep['accounts']} accounts; goal 10000)"
    )


if __name__ == "__main__":
    main()
