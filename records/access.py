"""Who may read and write which clinical records: pure rules over an Actor plus relationship hooks.

Rules (checked by records.api before every store call):
- admin and the system actor: everything;
- any authenticated user: shared resources (the directory and reference data);
- patient: reads and searches their own compartment; writes only self-reported data
  (QuestionnaireResponse, Observation with themselves as subject and sole performer);
- doctor: reads and writes clinical data of patients they care for (relation "cares_for_patient",
  search scope from core.auth.patients_in_scope);
- pharmacist: reads MedicationRequests and the minimum Patient data of patients their pharmacy
  serves (relation "pharmacy_serves_patient" and the scope providers the pharmacy domain registers);
- nurse: reads (never writes) the Patient, conditions, allergies, medicines, observations and care plans of
  patients whose home visit they have scheduled or under way (relation "nurse_visits_patient", from
  clinic.nursing); not the whole record ($everything).
Searches are restricted in SQL by passing the allowed patient ids to the store, never post-filtered.
A SMART token (core.auth.Actor.scopes set) is narrowed further by its scopes (records.scopes): an interaction
its scopes do not permit is refused, and `patient/` scopes limit the data to the patient in its context.
On top of these, views the clinic and pharmacy derive from their tables are written by the system only
(records.derived, checked by records.api after check_write).
"""
from core import auth
from records import scopes
from records.search.values import split_reference

DIRECTORY_TYPES = frozenset({"Organization", "Location", "Practitioner", "PractitionerRole", "Schedule", "Slot",
                             "HealthcareService"})
# Reference data that belongs to no patient; readable by every authenticated user, written by admins.
SHARED_TYPES = DIRECTORY_TYPES | {"Medication", "Questionnaire", "ValueSet", "CodeSystem"}
SELF_REPORTED_TYPES = frozenset({"QuestionnaireResponse", "Observation"})
PHARMACIST_TYPES = frozenset({"MedicationRequest", "Patient"})
# What a nurse needs at a patient's home: who, what they have, what they take, what was measured, the plan.
NURSE_TYPES = frozenset({"Patient", "Condition", "AllergyIntolerance", "MedicationRequest", "MedicationStatement",
                         "Observation", "CarePlan"})
# A PaymentReconciliation is the money between the platform and a payee: no patient's, no clinician's business.
ADMIN_ONLY_TYPES = frozenset({"AuditEvent", "PaymentReconciliation"})
CARE = "cares_for_patient"
PHARMACY = "pharmacy_serves_patient"
NURSE_VISIT = "nurse_visits_patient"
# Elements of a Patient a pharmacist needs to hand over medicines (data minimisation).
PHARMACIST_PATIENT_ELEMENTS = ("resourceType", "id", "meta", "name", "gender", "birthDate", "telecom")
SUBSETTED = {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED"}


class AccessDenied(Exception):
    """The actor may not perform this access; the message says why (safe to show)."""


def is_unrestricted(actor):
    """Admins and the system actor see everything."""
    return actor.role in ("admin", "system")


def _relation_for(actor):
    return {"doctor": CARE, "pharmacist": PHARMACY, "nurse": NURSE_VISIT}.get(actor.role)


def _may_see_patient(actor, patient_id):
    if actor.role == "patient":
        return actor.patient_id == patient_id
    relation = _relation_for(actor)
    return bool(relation) and auth.has_relationship(actor, relation, patient_id)


def check_scope(actor, resource_type, permission):
    """Raise AccessDenied when a SMART token's scopes do not permit `permission` (c r u d s) on the type."""
    if actor.scopes is not None and not scopes.allows(actor.scopes, resource_type, permission,
                                                      actor.context_patient):
        raise AccessDenied(f"The token's scopes do not permit '{permission}' on {resource_type}.")


def scope_patient(actor, resource_type, permission):
    """The one patient a token's `patient/` scopes limit this access to, or None (no such limit)."""
    if actor.scopes is None or not scopes.only_patient_context(actor.scopes, resource_type, permission):
        return None
    return actor.context_patient


def check_type_readable(actor, resource_type, permission="r"):
    """Raise AccessDenied when the actor's role (or token scope) may not read `resource_type` at all."""
    check_scope(actor, resource_type, permission)
    if is_unrestricted(actor) or (resource_type in SHARED_TYPES and resource_type not in ADMIN_ONLY_TYPES):
        return
    if resource_type in ADMIN_ONLY_TYPES:
        raise AccessDenied(f"Only administrators may read {resource_type}.")
    if actor.role == "pharmacist" and resource_type not in PHARMACIST_TYPES:
        raise AccessDenied(f"A pharmacist may not read {resource_type}.")
    if actor.role == "nurse" and resource_type not in NURSE_TYPES:
        raise AccessDenied(f"A nurse may not read {resource_type}.")
    if actor.role not in ("patient", "doctor", "pharmacist", "nurse"):
        raise AccessDenied("Your role may not read clinical records.")


def check_read(actor, resource_type, patient_ids):
    """Raise AccessDenied unless the actor may read a `resource_type` in the compartments `patient_ids`."""
    check_type_readable(actor, resource_type)
    limited_to = scope_patient(actor, resource_type, "r")
    if limited_to and resource_type not in SHARED_TYPES and limited_to not in (patient_ids or ()):
        raise AccessDenied("The token's scopes reach only the patient in its context.")
    if is_unrestricted(actor) or resource_type in SHARED_TYPES:
        return
    if not patient_ids:
        # Not in any patient's compartment (e.g. a Device): staff may read it, patients may not.
        if actor.role == "patient":
            raise AccessDenied("This record does not belong to you.")
        return
    if not any(_may_see_patient(actor, pid) for pid in patient_ids):
        raise AccessDenied("You have no care relationship with the patient this record belongs to.")


def search_scope(actor, resource_type):
    """None (no restriction) or the set of patient ids a search of `resource_type` is limited to."""
    check_type_readable(actor, resource_type, "s")
    limited_to = scope_patient(actor, resource_type, "s")
    if resource_type in SHARED_TYPES:
        return None
    if is_unrestricted(actor):
        return {limited_to} if limited_to else None
    if actor.role == "patient":
        allowed = {actor.patient_id} if actor.patient_id else set()
    else:
        allowed = set(auth.patients_in_scope(actor))
    return allowed & {limited_to} if limited_to else allowed


def check_includes(actor, include_types):
    """Raise AccessDenied when _include/_revinclude would add types the actor may not read.

    `include_types` are the resource types the includes can add (resolved by the caller from the
    search parameter definitions); the patient restriction itself is applied in SQL by the store.
    """
    for resource_type in include_types:
        check_type_readable(actor, resource_type, "s")


def include_scope(actor):
    """The patient ids resources included into a directory search are limited to (None: no limit)."""
    if actor.scopes is not None and actor.scopes and all(s.context == "patient" for s in actor.scopes):
        return {actor.context_patient} if actor.context_patient else set()
    if is_unrestricted(actor):
        return None
    if actor.role == "patient":
        return {actor.patient_id} if actor.patient_id else set()
    return set(auth.patients_in_scope(actor))


def check_patient_access(actor, patient_id):
    """Raise AccessDenied unless the actor may see the whole record of `patient_id` ($everything)."""
    if actor.scopes is not None and (not scopes.allows(actor.scopes, "*", "r", actor.context_patient)
                                     or actor.context_patient not in (None, patient_id)):
        raise AccessDenied("A token needs a read scope on every type (*.r) of this patient for the whole record.")
    if is_unrestricted(actor):
        return
    if actor.role in ("pharmacist", "nurse") or not _may_see_patient(actor, patient_id):
        raise AccessDenied("You may not see this patient's record.")


def _refs(value):
    if isinstance(value, dict):
        return [value.get("reference")]
    return [v.get("reference") for v in value or () if isinstance(v, dict)]


def _is_self_reported(actor, resource):
    me = f"Patient/{actor.patient_id}"
    if resource.get("resourceType") == "Observation":
        # The patient must be named as the (sole) performer: an Observation without one (an import, a
        # clinician's note) is not the patient's to change or delete.
        performers = _refs(resource.get("performer"))
        return _refs(resource.get("subject")) == [me] and bool(performers) and all(p == me for p in performers)
    if resource.get("resourceType") == "QuestionnaireResponse":
        answered_by = _refs(resource.get("source")) + _refs(resource.get("author"))
        return _refs(resource.get("subject")) == [me] and all(r in (None, me) for r in answered_by)
    return False


def check_write(actor, resource, patient_ids, permission="u"):
    """Raise AccessDenied unless the actor may write `resource` (whose compartments are `patient_ids`);
    `permission`: the scope letter the write needs (c create, u update, d delete)."""
    check_scope(actor, resource.get("resourceType"), permission)
    limited_to = scope_patient(actor, resource.get("resourceType"), permission)
    if limited_to and set(patient_ids or ()) != {limited_to}:
        raise AccessDenied("The token's scopes reach only the patient in its context.")
    if is_unrestricted(actor):
        return
    resource_type = resource.get("resourceType")
    if resource_type in SHARED_TYPES or resource_type in ADMIN_ONLY_TYPES or resource_type == "Patient":
        raise AccessDenied(f"Only administrators may write {resource_type}.")
    if actor.role == "patient":
        if resource_type not in SELF_REPORTED_TYPES or not _is_self_reported(actor, resource) \
                or set(patient_ids) != {actor.patient_id}:
            raise AccessDenied("Patients may only record their own questionnaire answers and observations.")
        return
    if actor.role == "doctor":
        if not patient_ids:
            raise AccessDenied("A clinical record must belong to a patient.")
        if not all(auth.has_relationship(actor, CARE, pid) for pid in patient_ids):
            raise AccessDenied("You have no care relationship with this patient.")
        if resource_type == "Encounter":
            _check_grants_no_care(actor, resource, patient_ids)
        return
    raise AccessDenied("Your role may not write clinical records.")


def _named_practitioners(encounter):
    """The Practitioner ids an Encounter's participants reference, parsed as the search index parses them
    (records.care finds carers through that index, so nothing it would count can slip past this check)."""
    refs = [(p.get("individual") or {}).get("reference") for p in encounter.get("participant") or ()
            if isinstance(p, dict) and isinstance(p.get("individual"), dict)]
    return {target_id for target_type, target_id in map(split_reference, refs) if target_type == "Practitioner"}


def _check_grants_no_care(actor, encounter, patient_ids):
    """A Practitioner taking part in an Encounter cares for its patient (records.care), so a doctor may name
    only themselves and practitioners who already care for the patient: never grant a colleague access."""
    for practitioner_id in sorted(_named_practitioners(encounter) - {actor.practitioner_id}):
        if not all(_practitioner_cares(practitioner_id, pid) for pid in patient_ids):
            raise AccessDenied(f"Practitioner/{practitioner_id} does not care for this patient, and naming them "
                               "in an Encounter would open the record to them; refer the patient instead.")


def _practitioner_cares(practitioner_id, patient_id):
    return any(auth.has_relationship(colleague, CARE, patient_id) for colleague in auth.doctor_actors(practitioner_id))


def check_history(actor, resource_type=None):
    """Type- and system-level history is for administrators (the store cannot filter it by patient yet)."""
    check_scope(actor, resource_type or "*", "r")
    if not is_unrestricted(actor):
        raise AccessDenied("History across resources is available to administrators only.")


def minimise(actor, resource):
    """The view of `resource` the actor may see (pharmacists get a subset of the Patient)."""
    if actor.role != "pharmacist" or resource.get("resourceType") != "Patient":
        return resource
    subset = {k: resource[k] for k in PHARMACIST_PATIENT_ELEMENTS if k in resource}
    meta = dict(subset.get("meta") or {})
    meta["tag"] = [*(meta.get("tag") or []), SUBSETTED]
    subset["meta"] = meta
    return subset
