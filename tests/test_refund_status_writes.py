"""The Refund and Check state machine has one home: refunds/transitions.py. Every other module of every
app is parsed (not imported) and fails the test if it writes `status` on a Refund or a Check: an
assignment `<refund or check>.status = ...`, or `status=` given to an update, create or constructor of
those models, or any write of a `Refund.Status` / `Check.Status` value."""

import ast
import re

import pytest

from tests.test_layers import ROOT, app_modules

HOME = ROOT / "refunds" / "transitions.py"
WRITING_CALLS = {"update", "create", "bulk_create", "get_or_create", "update_or_create"}
MODEL = re.compile(r"\b(Refund|Check)\b")  # not RefundEvent, not CheckRun
STATUS_VALUE = re.compile(r"\b(Refund|Check)\.Status\b")
HOLDER = re.compile(r"refund|\bcheck\b", re.IGNORECASE)


def status_writes(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr == "status":
                    holder, value = ast.unparse(target.value), ast.unparse(node.value)
                    if HOLDER.search(holder) or STATUS_VALUE.search(value):
                        found.append(f"line {node.lineno}: {ast.unparse(target)} = {value}")
        elif isinstance(node, ast.Call):
            func = ast.unparse(node.func)
            name = func.rsplit(".", 1)[-1]
            if name not in WRITING_CALLS and name not in ("Refund", "Check"):
                continue
            for keyword in node.keywords:
                if keyword.arg != "status":
                    continue
                value = ast.unparse(keyword.value)
                if MODEL.search(func) or STATUS_VALUE.search(value):
                    found.append(f"line {node.lineno}: {func}(status={value})")
    return found


def test_only_the_state_machine_writes_refund_or_check_status():
    modules = [path for _, path in app_modules() if path != HOME and "migrations" not in path.parts]
    assert len(modules) > 100
    found = [
        f"{path.relative_to(ROOT)} {write}" for path in modules for write in status_writes(path.read_text())
    ]
    assert found == []


def test_the_state_machine_itself_is_seen_writing():
    """The walk really recognises the writes it forbids: the home module is full of them."""
    assert len(status_writes(HOME.read_text())) >= 10


@pytest.mark.parametrize(
    ("source", "writes"),
    [
        ("refund.status = Refund.Status.SUCCEEDED", 1),
        ("old.status = Refund.Status.REPLACED", 1),
        ("check.status = 'returned'", 1),
        ("check.refund.status = refund_status", 1),
        ("Refund.objects.filter(pk=1).update(status=x)", 1),
        ("Check.objects.filter(pk=1).update(status='voided', voided_at=now)", 1),
        ("Refund.objects.create(status=Refund.Status.CHECK_QUEUED)", 1),
        ("Refund(amount_cents=1, status='pending')", 1),
        ("qs.update(status=Refund.Status.CHECK_MAILED)", 1),
        # Reads, other models and timeline events are not status writes.
        ("Refund.objects.filter(status=Refund.Status.PENDING)", 0),
        ("run.status = CheckRun.Status.PRINTED", 0),
        ("account.status = Account.Status.DELETED", 0),
        ("RefundEvent.objects.create(refund=r, status=r.status)", 0),
        ("Session.objects.create(status=status)", 0),
    ],
)
def test_the_rule_itself(source, writes):
    assert len(status_writes(source)) == writes
