"""The Patient written at registration (pure parts)."""
from datetime import date
from types import SimpleNamespace

import pytest

from records.patients import RESIDENT_ID_SYSTEM, build_patient, split_han_name


@pytest.mark.parametrize("name, parts", [
    ("张伟", ("张", "伟")), ("王小明", ("王", "小明")), ("欧阳娜娜", ("欧阳", "娜娜")), ("欧阳娜", ("欧阳", "娜")),
    ("爱新觉罗溥仪", None), ("Li Wei", None), ("", None), ("张", None),
])
def test_split_han_name(name, parts):
    assert split_han_name(name) == parts


def test_build_patient_for_a_non_han_name_keeps_text_only():
    user = SimpleNamespace(name="Li Wei", id_number="33020319800517001X", phone="13900000001", gender="male",
                           birth_date=date(1980, 5, 17))
    patient = build_patient(user)
    assert patient["name"] == [{"use": "official", "text": "Li Wei"}]
    assert patient["identifier"][0]["system"] == RESIDENT_ID_SYSTEM
    assert patient["telecom"] == [{"system": "phone", "value": "13900000001", "use": "mobile"}]
    assert patient["gender"] == "male" and patient["birthDate"] == "1980-05-17"
