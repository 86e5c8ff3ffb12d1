"""Formatting for the account pages: money is integer cents until it is shown."""

from django import template

from securus.cards import card_label
from securus.money import dollars

register = template.Library()


@register.filter
def cents(value):
    """2380 -> '$23.80'."""
    return dollars(value)


@register.simple_tag
def card(brand, last4):
    """'visa', '4242' -> 'Visa ending in 4242'."""
    return card_label(brand, last4)
