"""Each service reads its own scenario section; the registry is checked at start-up."""

from deletion import scenario


def test_every_section_follows_the_protocol_once():
    registered = scenario.sections()
    assert [section.key for section in registered] == ["prepaid", "directbill", "debit", "messaging", "video"]
    assert all(isinstance(section, scenario.ScenarioSection) for section in registered)
    assert scenario.check_scenario_sections() == []


def test_a_section_missing_the_protocol_or_sharing_a_key_fails_the_check(monkeypatch):
    monkeypatch.setattr(
        scenario,
        "SCENARIO_SECTIONS",
        [*scenario.SCENARIO_SECTIONS, "prepaid.scenario.PrepaidSection", "deletion.models.ServiceClosure"],
    )
    assert {error.id for error in scenario.check_scenario_sections()} == {"deletion.E003", "deletion.E004"}
