"""Starting an export: who may, which types, which patients; and the Actor a job reads as."""
import json
from datetime import datetime

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from core import clock
from core.audit import record_access
from core.auth import Actor, actor_for
from core.errors import ApiError
from core.extensions import db
from core.models import User
from records import api as records_api
from records.api import scopes as smart_scopes
from smart.models import BulkExport

FORMATS = ("application/fhir+ndjson", "application/ndjson", "ndjson")
KNOWN_PARAMS = {"_type", "_since", "_typeFilter", "_outputFormat"}
MAX_PATIENTS = 1000  # `patient` references in one POST kick-off


def _bad(detail, status=400):
    return ApiError(status, "invalid", detail)


def check_may_export(actor, level):
    """Exports of many patients are for administrators and backend (system) clients; a patient may export their
    own record (Patient level), one export at a time (403 / 429 otherwise)."""
    if actor.role in ("admin", "system"):
        return
    if actor.role != "patient" or level != "patient" or not actor.patient_id:
        raise ApiError(403, "forbidden", "Bulk export is for administrators and backend (system) clients; a "
                                         "patient may export their own record with Patient/$export.")
    unfinished = select(BulkExport.id).where(BulkExport.user_id == actor.user_id,
                                             BulkExport.status.in_(("queued", "running"))).limit(1)
    if db.session.scalar(unfinished) is not None:
        raise ApiError(429, "too_many_requests", "An export of your record is already under way: wait for it "
                                                 "(or cancel it) before asking for another.",
                       headers={"Retry-After": "60"})


def requester(job):
    """The Actor the job reads as: the requester, narrowed by the token's scopes; None if no longer active."""
    granted = smart_scopes.resource_scopes(job.scope) if job.scope is not None else None
    if job.user_id is None:
        return Actor(None, "system", f"client {job.client_id}", client_id=job.client_id, scopes=granted)
    user = db.session.get(User, job.user_id)
    if user is None or not user.is_active:
        return None
    base = actor_for(user)
    return Actor(base.user_id, base.role, base.name, base.patient_id, base.practitioner_id, base.pharmacy_id,
                 client_id=job.client_id, scopes=granted)


def _since(args):
    raw = args.get("_since")
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise _bad("_since must be a FHIR instant, e.g. 2026-01-01T00:00:00Z.") from None
    if value.tzinfo is None:
        raise _bad("_since needs a time zone.")
    return value


def _types(actor, args, level):
    asked = [t.strip() for value in args.getlist("_type") for t in value.split(",") if t.strip()]
    if asked:
        for resource_type in asked:
            records_api.check_type(resource_type)
            if actor.scopes is not None and not smart_scopes.allows(actor.scopes, resource_type, "r"):
                raise _bad(f"The token's scopes do not permit reading {resource_type}.", 403)
        return list(dict.fromkeys(asked))
    stored = records_api.stored_types()
    if level != "system":
        stored = [t for t in stored if t in set(records_api.compartment_types())]
    return [t for t in stored if actor.scopes is None or smart_scopes.allows(actor.scopes, t, "r")]


def _type_filters(actor, args, types):
    filters = {}
    for text in args.getlist("_typeFilter"):
        resource_type, params = records_api.parse_type_filter(text)
        if resource_type not in types:
            raise _bad(f"_typeFilter {text!r} names a type that is not exported.")
        # Run it once now (one row): a parameter the search does not support is the client's 400 here, not a
        # failed export later.
        records_api.export_page(actor, resource_type, params, patient_ids=set(), page_size=1)
        filters.setdefault(resource_type, []).append([list(p) for p in params])
    return filters


def parameters_args(body):
    """The kick-off parameters of a POST kick-off's Parameters resource, as the GET's query arguments, and the
    `patient` references as ids (None when absent); ApiError 400 when it is not such a resource."""
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise _bad("A POST kick-off sends a FHIR Parameters resource.")
    args, patients = MultiDict(), None
    for parameter in body.get("parameter") or ():
        name = parameter.get("name") if isinstance(parameter, dict) else None
        if name == "patient":
            reference = (parameter.get("valueReference") or {}).get("reference")
            kind, _, patient_id = (reference or "").partition("/")
            if kind != "Patient" or not patient_id or not isinstance(reference, str):
                raise _bad("patient takes a valueReference to a Patient, e.g. {'reference': 'Patient/123'}.")
            patients = [*(patients or []), patient_id]
            continue
        values = [v for key, v in parameter.items() if key.startswith("value")] if isinstance(parameter, dict) else []
        if not isinstance(name, str) or len(values) != 1 or not isinstance(values[0], str):
            raise _bad("Each parameter needs a name and one value (valueString, valueInstant...).")
        args.add(name, values[0])
    if patients is not None and len(patients) > MAX_PATIENTS:
        raise _bad(f"At most {MAX_PATIENTS} patients per export: use a Group for more.")
    return args, patients


def _chosen_patients(actor, level, patient_ids, chosen):
    """The patients to export: a Group's members or every patient, narrowed to `chosen` (POST `patient`)."""
    if chosen is None:
        return patient_ids
    if level == "system":
        raise _bad("patient applies to Patient- and Group-level exports, not to a system-level one.")
    for patient_id in chosen:
        records_api.read(actor, "Patient", patient_id)  # 404 for one that does not exist or is not the caller's
    return sorted(set(chosen) & set(patient_ids)) if patient_ids is not None else sorted(set(chosen))


def _group_members(actor, group_id):
    group = records_api.read(actor, "Group", group_id)
    members = [(m.get("entity") or {}).get("reference", "") for m in group.get("member") or ()
               if isinstance(m, dict) and not m.get("inactive")]
    return sorted({ref.split("/", 1)[1] for ref in members if ref.startswith("Patient/") and "/" in ref})


def start_export(actor, level, args, request_url, group_id=None, patients=None):
    """Create a queued export job for `actor` (ApiError / FhirError on a bad request); return it. `patients`
    (POST kick-off) narrows a Patient- or Group-level export to those patients."""
    check_may_export(actor, level)
    if actor.role == "patient":  # their own compartment, whatever else they may read
        patients = [actor.patient_id] if patients is None else patients
        if set(patients) != {actor.patient_id}:
            raise ApiError(403, "forbidden", "A patient exports their own record only.")
    unknown = sorted(set(args) - KNOWN_PARAMS)
    if unknown:
        raise _bad(f"Unsupported export parameters: {', '.join(unknown)}.")
    if args.get("_outputFormat", FORMATS[0]) not in FORMATS:
        raise _bad("Only NDJSON (application/fhir+ndjson) is produced.")
    since = _since(args)
    patient_ids = _chosen_patients(actor, level, _group_members(actor, group_id) if level == "group" else None,
                                   patients)
    types = _types(actor, args, level)
    job = BulkExport(status="queued", level=level, group_id=group_id, since=since, request_url=request_url,
                     patient_ids=json.dumps(patient_ids) if patient_ids is not None else None,
                     types=json.dumps(types), type_filters=json.dumps(_type_filters(actor, args, types)),
                     user_id=actor.user_id, client_id=actor.client_id,
                     scope=" ".join(f"{s.context}/{s.resource_type}.{s.permissions}" for s in actor.scopes)
                     if actor.scopes is not None else None, created_at=clock.now())
    db.session.add(job)
    db.session.flush()
    record_access(actor, "export_start", f"BulkExport/{job.id}",
                  detail={"client_id": actor.client_id, "level": level, "group": group_id, "types": types})
    return job
