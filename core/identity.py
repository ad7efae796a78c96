"""Validation of PRC real-name data: resident identity numbers (GB 11643-1999) and mobile numbers."""
import re
from datetime import date

# First two digits: province-level division codes (GB/T 2260), incl. Taiwan, Hong Kong and Macau.
PROVINCE_CODES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
}
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
PHONE_PATTERN = re.compile(r"^1[3-9]\d{9}$")


class IdentityError(ValueError):
    """Invalid identity data; the message is safe to show to the user."""


def check_digit(first17):
    """The GB 11643 check character for the first 17 digits."""
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


def parse_id_number(raw, today=None):
    """Validate an 18-digit resident identity number; return (normalised, birth_date, gender)."""
    number = (raw or "").strip().upper()
    if not ID_PATTERN.match(number):
        raise IdentityError("must be 17 digits followed by a digit or X")
    if number[:2] not in PROVINCE_CODES:
        raise IdentityError("region code is not a valid province code")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentityError("birth date part is not a real date") from None
    if born.year < 1900 or born > (today or date.today()):
        raise IdentityError("birth date part is out of range")
    if check_digit(number[:17]) != number[17]:
        raise IdentityError("check digit does not match")
    gender = "male" if int(number[16]) % 2 else "female"
    return number, born, gender


def normalise_phone(raw):
    """Validate a mainland mobile number (optionally +86 / 0086 prefixed); return its 11 digits."""
    phone = re.sub(r"[\s-]", "", raw or "")
    for prefix in ("+86", "0086"):
        if phone.startswith(prefix):
            phone = phone[len(prefix):]
    if not PHONE_PATTERN.match(phone):
        raise IdentityError("must be a mainland China mobile number (11 digits starting with 1)")
    return phone


def make_id_number(region, born, sequence):
    """Build a valid identity number (for seed and test data): 6-digit region, birth date, 3-digit sequence."""
    first17 = f"{region}{born:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_digit(first17)


def age_on(birth_date, today):
    """Whole years from an ISO birth date (YYYY, YYYY-MM or YYYY-MM-DD) to `today`; None when unknown."""
    try:
        parts = [int(p) for p in (birth_date or "").split("-")]
    except ValueError:
        return None
    if not parts:
        return None
    year, month, day = (parts + [1, 1])[:3]
    return today.year - year - ((today.month, today.day) < (month, day))
