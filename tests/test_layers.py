"""Imports run one way: ground <- money <- services <- roof. Every module of every app is parsed (not
imported) and each `import` / `from ... import` naming one of our apps is checked against the layers,
including imports inside functions. Tests and conftest files may reach across layers; app code may not
import them, nor the fake Stripe server."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

GROUND = ("securus", "facilities", "accounts", "audit")
MONEY = ("refunds",)
SERVICES = ("prepaid", "directbill", "debit", "messaging", "video")
ROOF = ("deletion", "care", "unclaimed", "inactivity")
LAYER = {app: rank for rank, apps in enumerate((GROUND, MONEY, SERVICES, ROOF)) for app in apps}
TEST_ONLY = ("tests", "fakestripe")  # test infrastructure: never imported by app code

# Inside a layer imports are refused except these: the ground's own order (securus is the floor and
# imports none of our apps), care deleting on a caller's behalf through deletion, unclaimed property
# reissuing checks through care, and the inactivity sweep holding balances as unclaimed property.
SAME_LAYER_ALLOWED = {
    ("facilities", "securus"),
    ("accounts", "securus"),
    ("audit", "securus"),
    ("audit", "accounts"),
    ("care", "deletion"),
    ("unclaimed", "care"),
    ("inactivity", "unclaimed"),
}


def _is_test_module(path: Path) -> bool:
    return "tests" in path.parts or path.name == "conftest.py"


def app_modules():
    for app in LAYER:
        for path in sorted((ROOT / app).rglob("*.py")):
            if not _is_test_module(path.relative_to(ROOT)):
                yield app, path


def imported_apps(source: str) -> set[str]:
    """The top-level names of every absolute import in `source`, wherever it sits in the module."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def violations(app: str, source: str) -> list[str]:
    wrong = []
    for target in sorted(imported_apps(source)):
        if target == app:
            continue
        if target in TEST_ONLY:
            wrong.append(f"{app} imports test infrastructure {target}")
        elif target in LAYER:
            above = LAYER[target] > LAYER[app]
            beside = LAYER[target] == LAYER[app] and (app, target) not in SAME_LAYER_ALLOWED
            if above or beside:
                wrong.append(f"{app} imports {target}")
    return wrong


def test_every_module_imports_only_downward():
    modules = list(app_modules())
    assert len(modules) > 100  # the walk really found the apps
    found = [
        f"{path.relative_to(ROOT)}: {problem}"
        for app, path in modules
        for problem in violations(app, path.read_text())
    ]
    assert found == []


def test_relative_imports_stay_inside_their_app():
    """`from .. import x` would leave the app without naming where it goes."""
    climbing = [
        str(path.relative_to(ROOT))
        for _, path in app_modules()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and node.level > 1 and "migrations" not in path.parts
    ]
    assert climbing == []


@pytest.mark.parametrize(
    ("app", "source", "expected"),
    [
        ("accounts", "from prepaid.models import Payment", ["accounts imports prepaid"]),
        ("refunds", "def f():\n    from video import gateway", ["refunds imports video"]),
        ("prepaid", "import debit.models", ["prepaid imports debit"]),
        ("video", "from deletion.services import plan_deletion", ["video imports deletion"]),
        ("deletion", "from care import services", ["deletion imports care"]),
        ("securus", "from accounts.models import Account", ["securus imports accounts"]),
        ("prepaid", "from tests import factories", ["prepaid imports test infrastructure tests"]),
        ("care", "from deletion.services import plan_deletion\nfrom prepaid.models import Payment", []),
        ("prepaid", "from refunds.models import Refund\nfrom accounts.models import Account", []),
    ],
)
def test_the_rule_itself(app, source, expected):
    assert violations(app, source) == expected
