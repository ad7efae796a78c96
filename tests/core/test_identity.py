"""Resident identity numbers (GB 11643) and mobile numbers, without an app."""
from datetime import date

import pytest

from core.identity import IdentityError, check_digit, make_id_number, normalise_phone, parse_id_number


def test_known_valid_number_parses_birth_date_and_gender():
    # The standard's own worked example: 11010519491231002X, a woman born 1949-12-31.
    number, born, gender = parse_id_number("11010519491231002x")
    assert (number, born, gender) == ("11010519491231002X", date(1949, 12, 31), "female")


def test_made_numbers_carry_a_valid_check_digit():
    number = make_id_number("330203", date(1990, 2, 28), 137)
    assert parse_id_number(number)[2] == "male"  # sequence 137: odd 17th digit
    assert number[-1] == check_digit(number[:17])


@pytest.mark.parametrize("raw, message", [
    ("11010519491231002", "17 digits"),           # too short
    ("1101051949123100XX", "17 digits"),          # X not only last
    ("99010519491231002X", "province"),           # no province 99
    ("110105194902300021", "real date"),          # 30 February
    ("110105189912310021", "out of range"),       # before 1900
    ("110105294912310021", "out of range"),       # in the future
    ("110105194912310021", "check digit"),        # wrong check digit
])
def test_invalid_numbers_are_refused_with_the_reason(raw, message):
    with pytest.raises(IdentityError, match=message):
        parse_id_number(raw, today=date(2026, 11, 24))


@pytest.mark.parametrize("raw, expected", [
    ("13912345678", "13912345678"), ("+86 139 1234 5678", "13912345678"), ("0086-13912345678", "13912345678"),
])
def test_phone_numbers_are_normalised(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12912345678", "1391234567", "139123456789", "abc", "", None, "02788886666"])
def test_bad_phone_numbers_are_refused(raw):
    with pytest.raises(IdentityError):
        normalise_phone(raw)
