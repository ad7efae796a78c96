"""The trace of a prescription chain (GET /api/v1/trace/{prescription_id}): the feed's steps with their times and
actors, the signature checked again, the orders and dispenses, and the FHIR resources involved, read as the
system (the regulator has no care relationship) and audited once in the reader's name."""
from sqlalchemy import select

from compliance import feed
from compliance.models import FeedEntry
from core import reporting
from core.audit import record_access
from core.auth import SYSTEM
from core.errors import ApiError
from core.extensions import db
from pharmacy import services as pharmacy
from records import api as records


def _steps(trace_id):
    rows = db.session.scalars(select(FeedEntry).where(FeedEntry.trace_id == trace_id).order_by(FeedEntry.trace_seq))
    return [feed.entry_to_dict(row) for row in rows]


def _resource(reference):
    try:
        return {"reference": reference, "resource": records.read_reference(SYSTEM, reference)}
    except records.FhirError as exc:  # e.g. deleted (410) or never written: say so, do not fail the trace
        return {"reference": reference, "resource": None, "error": exc.diagnostics}


def read_trace(actor, prescription_id):
    """The whole chain of a prescription, or 404."""
    chain = pharmacy.prescription_chain(prescription_id)
    if chain is None:
        record_access(actor, "read", f"Prescription/{prescription_id}", None, outcome="failed",
                      detail="supervision trace")
        raise ApiError(404, "not_found", "No such prescription.")
    prescription = chain["prescription"]
    consultation_id = prescription["consultation_id"]
    record_access(actor, "read", f"Prescription/{prescription_id}", f"Patient/{prescription['patient_id']}",
                  detail="supervision trace")
    return {
        "trace_id": reporting.prescription_trace(prescription_id),
        "steps": _steps(reporting.prescription_trace(prescription_id)),
        "consultation": {"id": consultation_id,
                         "steps": _steps(reporting.consultation_trace(consultation_id))},
        **chain,
        "fhir": [_resource(reference) for reference in chain["fhir"]],
    }
