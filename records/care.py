"""Care relationships derived from FHIR data, registered with core.auth at start-up.

A doctor cares for a patient when the patient's Patient.generalPractitioner references the doctor's
Practitioner (family-doctor binding) or the doctor's Practitioner takes part in an Encounter or an
Appointment of that patient. clinic registers further providers from its own tables.
These queries go straight to the store (they are part of access control, not an access).

A domain whose own tables are the source of truth of a derived type, and which grants the same
relationships from those tables itself (clinic: appointments), declares it with `answered_by_source`:
the FHIR views of that type are then not asked, so access never depends on how fresh a view is
(clinic writes its Appointment views shortly after the commit, clinic.fhir_views.outbox).
"""
from core import auth

CARE = "cares_for_patient"
# (resource type, search parameter naming the practitioner, filters) whose compartment patients are cared
# for; a cancelled, no-show or erroneous Appointment/Encounter creates no relationship.
_NOT_LIVE = ("cancelled", "noshow", "entered-in-error")
CARE_SOURCES = (
    ("Patient", "general-practitioner", ()),
    ("Encounter", "participant", tuple(("status:not", s) for s in ("cancelled", "entered-in-error"))),
    ("Appointment", "actor", tuple(("status:not", s) for s in _NOT_LIVE)),
)
PAGE = 500
_ANSWERED_BY_SOURCE = set()  # resource types whose relationships a domain answers from its own rows


def answered_by_source(resource_type):
    """Declare that a domain's own relationship provider answers the care relationships `resource_type`
    views would give (idempotent); they are no longer looked up in the FHIR store."""
    _ANSWERED_BY_SOURCE.add(resource_type)


def _sources():
    return [source for source in CARE_SOURCES if source[0] not in _ANSWERED_BY_SOURCE]


def _practitioner_ref(actor):
    if actor.role != "doctor" or not actor.practitioner_id:
        return None
    return f"Practitioner/{actor.practitioner_id}"


def cares_for_patient(actor, patient_id):
    """True when FHIR data links the doctor's Practitioner to `patient_id`."""
    from records import store

    ref = _practitioner_ref(actor)
    if ref is None or not patient_id:
        return False
    for resource_type, param, filters in _sources():
        found = store.search(resource_type, [(param, ref), *filters, ("_count", "1")], patient_ids={patient_id})
        if found.resources:
            return True
    return False


def patients_cared_for(actor):
    """The ids of every patient FHIR data links to the doctor's Practitioner."""
    from records import store

    ref = _practitioner_ref(actor)
    if ref is None:
        return set()
    patients = set()
    for resource_type, param, filters in _sources():
        cursor = None
        while True:
            params = [(param, ref), *filters, ("_count", str(PAGE))] + ([("_cursor", cursor)] if cursor else [])
            found = store.search(resource_type, params)
            for resource in found.resources:
                patients.update(store.compartment_patients(resource))
            cursor = found.next_cursor
            if not cursor:
                break
    return patients


def register():
    """Install the providers with the kernel (idempotent)."""
    auth.register_relationship(CARE, cares_for_patient)
    auth.register_patient_scope(patients_cared_for)
