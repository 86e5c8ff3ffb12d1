"""The closer registry is checked at start-up against ServiceClosure's services."""

from deletion import closers
from deletion.models import ServiceClosure


def test_every_service_has_one_closer_following_the_protocol():
    registered = closers.closers()
    assert all(isinstance(closer, closers.Closer) for closer in registered)
    assert sorted(closer.service for closer in registered) == sorted(ServiceClosure.Service.values)
    assert closers.check_closers() == []


def test_a_service_without_closer_fails_the_check(monkeypatch):
    monkeypatch.setattr(closers, "ACCOUNT_CLOSERS", closers.ACCOUNT_CLOSERS[:-1])
    assert [error.id for error in closers.check_closers()] == ["deletion.E002"]


def test_a_closer_missing_the_protocol_fails_the_check(monkeypatch):
    monkeypatch.setattr(
        closers, "ACCOUNT_CLOSERS", [*closers.ACCOUNT_CLOSERS, "deletion.models.ServiceClosure"]
    )
    assert {error.id for error in closers.check_closers()} == {"deletion.E001", "deletion.E002"}
