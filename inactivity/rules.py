"""The inactivity rules in force on a day: the default and each state's override."""

from dataclasses import dataclass
from datetime import date, timedelta

from securus.rules import rules_in_force

from .models import InactivityRule

# Used only if the rules table is empty (the data migration seeds the same numbers).
DEFAULT_INACTIVITY_DAYS = 180  # 47 CFR 64.6130(b)
DEFAULT_NOTICE_DAYS = 30


@dataclass(frozen=True)
class Rule:
    inactivity_days: int
    notice_days: int

    @property
    def notice_after(self) -> timedelta:
        """Inactivity after which the notice goes out."""
        return timedelta(days=self.inactivity_days - self.notice_days)

    @property
    def action_after(self) -> timedelta:
        return timedelta(days=self.inactivity_days)

    @property
    def notice_lead(self) -> timedelta:
        return timedelta(days=self.notice_days)


def rules_on(day: date) -> tuple[Rule, dict[str, Rule]]:
    default, by_state = rules_in_force(InactivityRule.objects.all(), day)
    as_rule = lambda r: Rule(inactivity_days=r.inactivity_days, notice_days=r.notice_days)  # noqa: E731
    fallback = as_rule(default) if default else Rule(DEFAULT_INACTIVITY_DAYS, DEFAULT_NOTICE_DAYS)
    return fallback, {state: as_rule(rule) for state, rule in by_state.items()}
