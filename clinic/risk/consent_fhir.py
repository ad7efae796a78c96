"""The FHIR Consent derived from an online-treatment consent row (the row is the source of truth).

Rewritten (PUT with a deterministic id) whenever the row changes, in the same transaction, so the
patient's record always shows the protocol they signed, its period and whether it was revoked.
Declared to records.derived (`register_view`), so the FHIR API refuses to write it for anyone but the
system. https://hl7.org/fhir/R4/consent.html
"""
from core.auth import SYSTEM
from records import api as records

PROTOCOL_URN = "urn:cloud-hospital:online-treatment-protocol:"
CATEGORY = {"system": "urn:cloud-hospital:consent-category", "code": "online-treatment-protocol",
            "display": "Online-treatment protocol"}


def fhir_id(consent):
    """The Consent resource id for a consent row."""
    return f"otp-{consent.id}"


def consent_resource(consent):
    """The FHIR Consent for a consent row."""
    provision = {"type": "permit",
                 "period": {"start": consent.signed_at.isoformat(), "end": consent.expires_at.isoformat()}}
    if consent.practitioner_id:
        provision["actor"] = [{
            "role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                 "code": "PPRF", "display": "primary performer"}]},
            "reference": {"reference": f"Practitioner/{consent.practitioner_id}"}}]
    return {
        "resourceType": "Consent", "id": fhir_id(consent),
        "status": "inactive" if consent.revoked_at else "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "treatment"}]},
        "category": [{"coding": [CATEGORY]}],
        "patient": {"reference": f"Patient/{consent.patient_id}"},
        "dateTime": consent.signed_at.isoformat(),
        "performer": [{"reference": f"Patient/{consent.patient_id}"}],
        "policy": [{"uri": PROTOCOL_URN + consent.protocol_version}],
        "provision": provision,
    }


def write_consent(consent):
    """Write (or rewrite) the patient's FHIR Consent for this row."""
    records.update(SYSTEM, "Consent", fhir_id(consent), consent_resource(consent))


def _is_protocol_consent(resource_id, resource):
    codings = [c for category in (resource or {}).get("category") or () if isinstance(category, dict)
               for c in category.get("coding") or () if isinstance(c, dict)]
    return any(c.get("system") == CATEGORY["system"] and c.get("code") == CATEGORY["code"] for c in codings)


def register_view():
    """Declare the online-treatment Consents (ids otp-..., or the protocol category) a derived view."""
    records.register_view("Consent", maintainer="clinic",
                          path="POST /api/v1/consents, POST /api/v1/consents/{consent_id}/revoke",
                          match=records.any_of(records.id_prefix("otp-"), _is_protocol_consent))
