"""Helpers for the deletion tests: run the ops CLI exactly as support would."""

import json
from io import StringIO
from pathlib import Path

from django.core.management import call_command

SCENARIOS = Path(__file__).parent / "scenarios"


def cli(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def load(path) -> str:
    return cli("load_scenario", str(path)).strip()


def report(email) -> dict:
    return json.loads(cli("deletion_report", email, "--json"))
