"""Formatting for the account pages: money is integer cents until it is shown."""

from django import template

from securus.cards import card_label
from securus.money import dollars
from securus.phones import display_phone

register = template.Library()


@register.filter
def cents(value):
    """2380 -> '$23.80'."""
    return dollars(value)


@register.simple_tag
def card(brand, last4):
    """'visa', '4242' -> 'Visa ending in 4242'."""
    return card_label(brand, last4)


@register.filter
def phone(value):
    """'+12145550101' -> '(214) 555-0101'."""
    return display_phone(value)
