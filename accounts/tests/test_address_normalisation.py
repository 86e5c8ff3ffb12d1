"""Mailing addresses are stored in USPS style, with a real state and a ZIP or ZIP+4."""

import pytest
from django.urls import reverse

from accounts.addresses import AddressInvalid, clean_state, clean_zip, normalize_address


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            dict(line1="12 oak street", line2="apartment 4", city="dallas", state="tx", zip_code="75201"),
            ("12 OAK ST", "APT 4", "DALLAS", "TX", "75201"),
        ),
        (
            dict(line1="123 North Main Street", city="Austin", state="Texas", zip_code="787011234"),
            ("123 N MAIN ST", "", "AUSTIN", "TX", "78701-1234"),
        ),
        (
            dict(line1="P.O. Box 12", city="El Paso", state="TX", zip_code="79901 0012"),
            ("PO BOX 12", "", "EL PASO", "TX", "79901-0012"),
        ),
        (
            dict(line1="1 Calle Sol", city="San Juan", state="pr", zip_code="00901"),
            ("1 CALLE SOL", "", "SAN JUAN", "PR", "00901"),
        ),
    ],
)
def test_normalised_to_usps_style(given, expected):
    clean = normalize_address(**given)
    assert (clean.line1, clean.line2, clean.city, clean.state, clean.zip_code) == expected


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("state", dict(state="ZZ")),
        ("state", dict(state="Texass")),
        ("zip_code", dict(zip_code="7520")),
        ("zip_code", dict(zip_code="75201-12")),
        ("zip_code", dict(zip_code="ABCDE")),
        ("line1", dict(line1="  ")),
        ("city", dict(city="")),
    ],
)
def test_bad_fields_are_named(field, kwargs):
    good = dict(line1="12 Oak St", city="Dallas", state="TX", zip_code="75201")
    with pytest.raises(AddressInvalid) as caught:
        normalize_address(**{**good, **kwargs})
    assert set(caught.value.errors) == {field}


def test_state_and_zip_helpers():
    assert clean_state(" District of Columbia ") == "DC"
    assert clean_state("T.X.") == "TX"
    assert clean_zip("75201-1234") == "75201-1234"
    assert clean_zip("752011") is None


def test_my_settings_saves_normalised_and_changing_clears_confirmation(card_account, client_for):
    address = card_account.address
    assert address.verified_at is not None
    form = {"line1": "40 elm street", "line2": "", "city": "fort worth", "state": "TX", "zip_code": "76102"}
    client_for.post(reverse("accounts:settings"), form)
    address.refresh_from_db()
    assert (address.line1, address.city, address.zip_code) == ("40 ELM ST", "FORT WORTH", "76102")
    assert address.verified_at is None  # a new address must be confirmed again

    client_for.post(reverse("accounts:settings"), {**form, "confirm": "on"})
    address.refresh_from_db()
    assert address.verified_at is not None


def test_my_settings_shows_errors_on_their_fields(card_account, client_for):
    form = {"line1": "40 Elm St", "city": "Fort Worth", "state": "TX", "zip_code": "7610"}
    response = client_for.post(reverse("accounts:settings"), form)
    html = response.content.decode()
    assert 'id="id_zip_code_error"' in html and "Enter a 5-digit ZIP code" in html
    card_account.address.refresh_from_db()
    assert card_account.address.line1 == "12 OAK ST"
