"""Bulk Data routes under /fhir: kick-off (system, Patient, Group; GET with query arguments or POST with a
Parameters resource), status polling, cancel, file download.

Every answer is FHIR: errors are OperationOutcomes (core.errors' /fhir renderer). The requester (the same
backend client, the same user through the same app) polls and downloads; an administrator's first-party
token may read any export."""
import json

from flask import Blueprint, current_app, request, send_file, url_for

from core import clock
from core.audit import record_access
from core.auth import current_actor
from core.errors import ApiError
from core.extensions import db
from smart.bulk import kickoff
from smart.bulk.runner import export_dir
from smart.models import BulkExport

bp = Blueprint("smart_bulk", __name__, url_prefix="/fhir")
NDJSON = "application/fhir+ndjson"


def _kick_off(level, group_id=None):
    actor = current_actor()
    kickoff.check_may_export(actor, level)
    if "respond-async" not in request.headers.get("Prefer", ""):
        raise ApiError(400, "invalid", "Bulk export is asynchronous: send 'Prefer: respond-async'.")
    args, patients = request.args, None
    if request.method == "POST":  # the parameters come as a Parameters resource (and may name patients)
        if request.args:
            raise ApiError(400, "invalid", "A POST kick-off sends its parameters in the body, not in the URL.")
        args, patients = kickoff.parameters_args(request.get_json(silent=True))
    job = kickoff.start_export(actor, level, args, request.url, group_id, patients)
    status_url = url_for("smart_bulk.export_status", job_id=job.id, _external=True)
    return current_app.response_class(status=202, headers={"Content-Location": status_url})


@bp.route("/$export", methods=["GET", "POST"])
def export_system():
    """System-level export: every type the caller may read."""
    return _kick_off("system")


@bp.route("/Patient/$export", methods=["GET", "POST"])
def export_patients():
    """Patient-level export: the compartments of every patient (a patient: their own)."""
    return _kick_off("patient")


@bp.route("/Group/<group_id>/$export", methods=["GET", "POST"])
def export_group(group_id):
    """Group-level export: the compartments of the Group's member patients."""
    return _kick_off("group", group_id)


def _owned_job(job_id):
    """The export if the caller asked for it (or is an administrator with a first-party token); else 404."""
    actor = current_actor()
    job = db.session.get(BulkExport, job_id)
    if job is None or job.status == "expired":
        raise ApiError(404, "not_found", "No such export (or its files have expired).")
    same = job.user_id == actor.user_id and job.client_id == actor.client_id
    if not same and not (actor.is_admin and actor.scopes is None):
        record_access(actor, "export_status", f"BulkExport/{job_id}", outcome="denied",
                      detail={"client_id": actor.client_id})
        raise ApiError(404, "not_found", "No such export (or its files have expired).")
    return actor, job


def _manifest(job):
    files = [{"type": o["type"], "count": o["count"],
              "url": url_for("smart_bulk.export_file", job_id=job.id, filename=f"{o['type']}.ndjson", _external=True)}
             for o in json.loads(job.output)]
    return {"transactionTime": job.created_at.isoformat(), "request": job.request_url, "requiresAccessToken": True,
            "output": files, "error": []}


@bp.get("/bulk-status/<job_id>")
def export_status(job_id):
    """202 with X-Progress while the export runs; 200 with the manifest once complete."""
    actor, job = _owned_job(job_id)
    if job.status in ("queued", "running"):
        return current_app.response_class(status=202, headers={
            "X-Progress": f"{job.status}: {job.written} resources written", "Retry-After": "2"})
    if job.status == "cancelled":
        raise ApiError(404, "not_found", "This export was cancelled.")
    if job.status == "failed":
        raise ApiError(500, "exception", f"The export failed: {job.error}")
    record_access(actor, "export_manifest", f"BulkExport/{job.id}", detail={"client_id": actor.client_id})
    response = current_app.response_class(json.dumps(_manifest(job)), status=200, mimetype="application/json")
    response.headers["Expires"] = job.expires_at.strftime("%a, %d %b %Y %H:%M:%S GMT") if job.expires_at else ""
    return response


@bp.delete("/bulk-status/<job_id>")
def cancel_export(job_id):
    """Cancel an export (or delete a finished one's files): 202; the runner stops at its next page."""
    actor, job = _owned_job(job_id)
    if job.status == "cancelled":
        raise ApiError(404, "not_found", "This export was already cancelled.")
    job.status, job.lease_until, job.expires_at = "cancelled", None, clock.now()
    record_access(actor, "export_cancel", f"BulkExport/{job.id}", detail={"client_id": actor.client_id})
    return current_app.response_class(status=202)


@bp.get("/bulk-files/<job_id>/<filename>")
def export_file(job_id, filename):
    """One NDJSON file of a completed export, streamed from disk."""
    actor, job = _owned_job(job_id)
    names = {f"{o['type']}.ndjson" for o in json.loads(job.output)}
    if job.status != "completed" or filename not in names:
        raise ApiError(404, "not_found", "No such file in this export.")
    record_access(actor, "export_download", f"BulkExport/{job.id}/{filename}",
                  detail={"client_id": actor.client_id, "file": filename})
    return send_file(export_dir(job.id) / filename, mimetype=NDJSON, conditional=False, max_age=0)
