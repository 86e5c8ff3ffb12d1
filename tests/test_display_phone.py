"""Phone numbers as people write them: the quick path for North American numbers writes exactly what
phonenumbers writes, and everything else still goes through phonenumbers."""

import random

import phonenumbers
import pytest

from securus.phones import display_phone


def by_phonenumbers(e164: str) -> str:
    number = phonenumbers.parse(e164, "US")
    style = phonenumbers.PhoneNumberFormat.NATIONAL
    if number.country_code != 1:
        style = phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


def test_north_american_numbers_read_as_phonenumbers_writes_them():
    rng = random.Random(13)
    numbers = [f"+1{rng.randint(2_000_000_000, 9_999_999_999)}" for _ in range(5000)]
    numbers += ["+12145550101", "+12000000000", "+19999999999", "+18005550100", "+14165550123"]
    assert [display_phone(n) for n in numbers] == [by_phonenumbers(n) for n in numbers]
    assert display_phone("+12145550101") == "(214) 555-0101"


@pytest.mark.parametrize("e164", ["+11235550101", "+10005550101", "+442079460018", "+5215512345678"])
def test_other_numbers_go_through_phonenumbers(e164):
    assert display_phone(e164) == by_phonenumbers(e164)


def test_empty_and_unparseable():
    assert display_phone("") == ""
    assert display_phone("not a number") == "not a number"
