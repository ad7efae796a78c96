"""Audit and access helpers shared by the records service API (records.api, records.api_bulk)."""
from contextlib import contextmanager

from core.audit import record_access
from records import store
from records.access import AccessDenied
from records.errors import FhirError
from records.fhir.outcome import fhir_error

READ_ONLY_TYPES = frozenset({"AuditEvent"})  # derived from core.models.AuditEntry, see records.auditevents
HISTORY_CHECK_LIMIT = 1000


def _patient_ref(patient_ids):
    return f"Patient/{sorted(patient_ids)[0]}" if patient_ids else None


class _Access:
    """What one call touched, filled in as it goes, for the audit entry."""

    def __init__(self, actor, action, entity):
        self.actor, self.action, self.entity, self.patient_ids = actor, action, entity, set()

    def succeeded(self, detail=None):
        action, entity, patient_ref, detail = self.success_entry(detail)
        record_access(self.actor, action, entity, patient_ref, detail=detail)

    def success_entry(self, detail=None):
        """(action, entity, patient_ref, detail) of the success entry, for core.audit.record_successes."""
        extra = sorted(self.patient_ids)[1:]
        if extra:
            detail = {**(detail or {}), "patients": [f"Patient/{p}" for p in extra[:50]]}
        return self.action, self.entity, _patient_ref(self.patient_ids), detail


@contextmanager
def _audit(actor, action, entity):
    """Audit a denied or failed call here; the body calls `.succeeded()` on success."""
    call = _Access(actor, action, entity)
    try:
        yield call
    except AccessDenied as exc:
        record_access(actor, action, call.entity, _patient_ref(call.patient_ids), outcome="denied", detail=str(exc))
        error = fhir_error(403, "forbidden", str(exc))
        error.item = getattr(exc, "item", None)  # which resource of a bulk call (records.api_bulk)
        raise error from None
    except FhirError as exc:
        record_access(actor, action, call.entity, _patient_ref(call.patient_ids), outcome="failed",
                      detail=f"{exc.status} {exc.diagnostics}")
        raise


def _writable_type(resource_type):
    if resource_type in READ_ONLY_TYPES:
        raise fhir_error(405, "not-supported", f"{resource_type} is read-only (derived from the audit trail).")


def _last_content(resource_type, resource_id):
    """The newest stored content of a (deleted) resource, or None."""
    versions, _ = store.history(resource_type, resource_id, count=HISTORY_CHECK_LIMIT)
    return next((v["resource"] for v in versions if v.get("resource")), None)


def _compartment(resource):
    found = set(store.compartment_patients(resource)) if resource else set()
    if not found and resource and resource.get("resourceType") == "Provenance":
        found = _target_compartments(resource)
    return found


def _target_compartments(provenance):
    """A Provenance naming no patient (e.g. a prescription's signature) belongs to the compartments of
    the records it is about: otherwise any doctor could read it, and its patient could not."""
    found = set()
    for target in provenance.get("target") or ():
        parts = str((target or {}).get("reference") or "").split("/")
        if len(parts) >= 2:
            try:
                found |= set(store.compartment_patients(store.read_resource(parts[0], parts[1])))
            except FhirError:
                continue  # a target that is gone or unknown adds no compartment
    return found
