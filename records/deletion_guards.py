"""Who may stop a deletion: a registry of guards a higher layer installs at start-up (compliance: legal holds),
asked before any resource is deleted (records.api.delete: the FHIR DELETE, a conditional delete, a Bundle's
DELETE entry), so records need not know why data is kept. A refusal is a 409 OperationOutcome giving the reason."""
from records.errors import FhirError

_guards = []


def register(guard):
    """Install `guard(resource_type, resource_id, resource, patient_ids) -> reason or None` (once)."""
    if guard not in _guards:
        _guards.append(guard)


def refusal(resource_type, resource_id, resource, patient_ids):
    """The first guard's reason to keep the resource, or None when it may be deleted."""
    for guard in _guards:
        reason = guard(resource_type, resource_id, resource, patient_ids)
        if reason:
            return reason
    return None


def check(resource_type, resource_id, resource, patient_ids):
    """Raise a 409 FhirError when a guard keeps the resource."""
    reason = refusal(resource_type, resource_id, resource, patient_ids)
    if reason:
        raise FhirError(409, "business-rule", f"{resource_type}/{resource_id} cannot be deleted: {reason}")
