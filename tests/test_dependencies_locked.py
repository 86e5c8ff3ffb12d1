"""Every dependency has an upper bound in pyproject.toml, and the lock files pin each one with hashes: a
dependency added to pyproject.toml without `make lock` fails here."""

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
RUNTIME = PYPROJECT["project"]["dependencies"]
DEV = PYPROJECT["project"]["optional-dependencies"]["dev"]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==(\S+) \\$", re.M)


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _pins(lock: str) -> dict[str, str]:
    return {m[1].lower().replace("_", "-"): m[2] for m in PIN.finditer((ROOT / lock).read_text())}


@pytest.mark.parametrize("requirement", RUNTIME + DEV)
def test_every_dependency_has_an_upper_bound(requirement):
    assert "<" in requirement, f"{requirement}: add an upper bound"


@pytest.mark.parametrize(
    "lock,requirements", [("requirements.lock", RUNTIME), ("requirements-dev.lock", RUNTIME + DEV)]
)
def test_the_locks_pin_every_dependency_with_hashes(lock, requirements):
    pins = _pins(lock)
    missing = [r for r in requirements if _name(r) not in pins]
    assert not missing, f"{lock} lacks {missing}: run `make lock`"
    # Every pin is followed by at least one hash.
    text = (ROOT / lock).read_text()
    assert len(re.findall(r"==\S+ \\\n\s+--hash=sha256:", text)) == len(pins)


def test_the_site_lock_keeps_the_versions_of_the_dev_lock():
    site, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    assert {name: dev.get(name) for name in site} == site
