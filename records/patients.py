"""The FHIR Patient written when a patient registers (installed with core.accounts.set_patient_record_factory).

The account (core.models.User) is the source of truth for login data; the Patient resource is the
source of truth for clinical demographics. Registration writes both in one transaction.
"""
import re

from core import auth
from core.audit import record_access

# PRC resident identity card number (GB 11643-1999), OID assigned by the National Health Commission
# health information standards (WS 364, 2.16.156.10011.1.5 = 居民身份证号码).
RESIDENT_ID_SYSTEM = "urn:oid:2.16.156.10011.1.5"
IDENTIFIER_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0203"
HAN_NAME = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+$")
# Two-character surnames, so that 欧阳娜 is 欧阳/娜 rather than 欧/阳娜.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 轩辕 端木 独孤 南宫 西门 百里".split())


def split_han_name(name):
    """(family, given) for a 2-4 character Han name, or None when it cannot be split safely."""
    if not HAN_NAME.match(name or ""):
        return None
    if len(name) in (3, 4) and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    if len(name) in (2, 3):
        return name[0], name[1:]
    return None


def _resident_ids(user):
    if not user.id_number:
        return []
    return [{
        "use": "official",
        "type": {"coding": [{"system": IDENTIFIER_TYPE_SYSTEM, "code": "NI",
                             "display": "National unique individual identifier"}],
                 "text": "National identifier"},
        "system": RESIDENT_ID_SYSTEM,
        "value": user.id_number,
    }]


def build_patient(user):
    """The FHIR Patient for a registered account (http://hl7.org/fhir/R4/patient.html)."""
    name = {"use": "official", "text": user.name}
    parts = split_han_name(user.name)
    if parts:
        name["family"], given = parts
        name["given"] = [given]
    patient = {"resourceType": "Patient", "active": True, "identifier": _resident_ids(user), "name": [name]}
    if not patient["identifier"]:
        del patient["identifier"]  # an account whose identity number is under review (core.id_claims)
    if user.phone:
        patient["telecom"] = [{"system": "phone", "value": user.phone, "use": "mobile"}]
    if user.gender:
        patient["gender"] = user.gender
    if user.birth_date:
        patient["birthDate"] = user.birth_date.isoformat()
    return patient


def create_patient_record(user):
    """Write the registering user's Patient through the store (same transaction); return its id."""
    from records import store

    saved = store.create_resource(build_patient(user))
    actor = auth.actor_for(user)
    record_access(actor, "create", entity=f"Patient/{saved['id']}", patient_ref=f"Patient/{saved['id']}",
                  detail={"reason": "patient registration"})
    return saved["id"]


def sync_patient_identifier(user, actor):
    """Rewrite the resident identity number on the user's Patient after an admin moved it (core.id_claims),
    keeping any other identifier; audited as `actor`'s update."""
    from records import store

    row = store.locked_row("Patient", user.patient_id)
    patient = store.row_content(row)
    if patient is None:
        return
    kept = [i for i in patient.get("identifier", []) if i.get("system") != RESIDENT_ID_SYSTEM]
    patient["identifier"] = kept + _resident_ids(user)
    if not patient["identifier"]:
        del patient["identifier"]
    store.update_resource("Patient", user.patient_id, patient, row=row)
    record_access(actor, "update", entity=f"Patient/{user.patient_id}", patient_ref=f"Patient/{user.patient_id}",
                  detail={"reason": "identity number claim decided"})
