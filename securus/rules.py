"""Rules kept as data with effective dates, per state: a blank state is the default for the others."""

from datetime import date


def rules_in_force(queryset, day: date):
    """(default rule, {state: rule}) in force on `day`: per state, the row with the latest
    `effective_from` on or before it. One query; the tables hold a few rows per state."""
    default, by_state = None, {}
    for rule in queryset.filter(effective_from__lte=day).order_by("state", "-effective_from"):
        if rule.state == "":
            default = default or rule
        else:
            by_state.setdefault(rule.state, rule)
    return default, by_state
