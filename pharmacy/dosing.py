"""Daily dose from a prescription item's free-text dose and frequency (pure: no Flask, no database).

A doctor writes `dose` ("5 mg", "2 tablets", "200 µg") and `frequency` ("twice daily", "bid", "every 8
hours", "每日三次"). `daily_amount` turns them into an amount per day in the catalogue's unit (mg or µg),
or None when either cannot be read safely: the review then flags the dose for a pharmacist to check by
hand instead of guessing.
"""
import re

MASS = {"g": ("mg", 1000.0), "mg": ("mg", 1.0), "µg": ("µg", 1.0), "μg": ("µg", 1.0), "ug": ("µg", 1.0),
        "mcg": ("µg", 1.0)}
TO_BASE = {("mg", "µg"): 1000.0, ("µg", "mg"): 0.001, ("mg", "mg"): 1.0, ("µg", "µg"): 1.0}
COUNT_UNITS = {"tablet", "tablets", "tab", "tabs", "capsule", "capsules", "cap", "caps", "puff", "puffs", "dose",
               "doses", "inhalation", "inhalations", "patch", "patches", "片", "粒", "喷", "揿"}
NUMBER = r"(\d+(?:\.\d+)?)"
AMOUNT = re.compile(rf"^\s*{NUMBER}\s*([^\d\s/]+)?\s*$")
STRENGTH = re.compile(rf"^\s*{NUMBER}\s*(g|mg|µg|μg|ug|mcg)\b")
CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
TIMES_A_DAY = {"once daily": 1, "once a day": 1, "daily": 1, "every day": 1, "qd": 1, "od": 1, "nightly": 1,
               "at night": 1, "every morning": 1, "in the morning": 1, "qn": 1, "twice daily": 2, "twice a day": 2,
               "bid": 2, "bd": 2, "b.i.d.": 2, "thrice daily": 3, "tid": 3, "tds": 3, "t.i.d.": 3, "qid": 4,
               "qds": 4, "q.i.d.": 4}
N_TIMES = re.compile(rf"^{NUMBER}\s*(?:x|times)\s*(?:daily|a day|per day|/day)$")
EVERY_HOURS = re.compile(rf"^(?:every|q)\s*{NUMBER}\s*(?:h|hr|hrs|hour|hours)$")
CHINESE_TIMES = re.compile(r"^(?:每日|每天|一日)([一二两三四五六\d])次$")
WORD_TIMES = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


def times_per_day(frequency):
    """How many doses a day `frequency` means, or None when it does not say (e.g. "as needed")."""
    text = " ".join((frequency or "").lower().replace("，", " ").split()).rstrip(".")
    if text in TIMES_A_DAY:
        return float(TIMES_A_DAY[text])
    for word, n in WORD_TIMES.items():
        text = re.sub(rf"^{word} times\b", f"{n} times", text)
    if match := N_TIMES.match(text):
        return float(match.group(1))
    if (match := EVERY_HOURS.match(text)) and float(match.group(1)) > 0:
        return 24.0 / float(match.group(1))
    if match := CHINESE_TIMES.match(text.replace(" ", "")):
        digit = match.group(1)
        return float(CHINESE_DIGITS.get(digit) or int(digit))
    return None


def _strength(strength):
    """(amount, base unit) of one countable unit, e.g. "100 µg/dose" -> (100, "µg")."""
    match = STRENGTH.match(strength or "")
    if not match:
        return None
    base, factor = MASS[match.group(2)]
    return float(match.group(1)) * factor, base


def dose_amount(dose, strength):
    """(amount, base unit) of one dose: a mass ("5 mg") or a count of units of `strength` ("2 tablets")."""
    match = AMOUNT.match((dose or "").strip().lower())
    if not match:
        return None
    number, unit = float(match.group(1)), (match.group(2) or "").strip()
    if unit in MASS:
        base, factor = MASS[unit]
        return number * factor, base
    if unit in COUNT_UNITS:
        one = _strength(strength)
        return (number * one[0], one[1]) if one else None
    return None


def daily_amount(dose, frequency, strength, unit):
    """The amount a day in `unit` (mg or µg) that `dose` x `frequency` gives, or None when unreadable."""
    amount, times = dose_amount(dose, strength), times_per_day(frequency)
    if amount is None or times is None or (amount[1], unit) not in TO_BASE:
        return None
    return round(amount[0] * TO_BASE[(amount[1], unit)] * times, 6)
