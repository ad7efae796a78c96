"""The export runner: a periodic job that takes one export at a time under a lease and pages its resources
into one NDJSON file per type, committing its position (type, filter, search cursor, file length) after every
page. A process that dies leaves a lease that runs out; the next run truncates the file to the committed
length and carries on from the committed cursor, so nothing is lost or written twice."""
import json
import logging
import os
import shutil
import time
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import or_, select, update

from core import clock
from core.audit import record_access
from core.errors import ApiError
from core.extensions import db
from core.scheduler import register_periodic
from records import api as records_api
from records.errors import FhirError
from smart.bulk.kickoff import requester
from smart.models import BulkExport

log = logging.getLogger(__name__)
LEASE_SECONDS = 60
ACTIVE = ("queued", "running")


def export_dir(job_id):
    """Where an export's files are written."""
    return Path(current_app.config["SMART_BULK_DIR"] or Path(current_app.instance_path) / "bulk") / job_id


def _claim():
    """Take the oldest export that is waiting or whose runner's lease ran out; None when there is none."""
    now = clock.now()
    free = (BulkExport.status.in_(ACTIVE)) & or_(BulkExport.lease_until.is_(None), BulkExport.lease_until < now)
    for job_id in db.session.scalars(select(BulkExport.id).where(free).order_by(BulkExport.created_at).limit(5)):
        taken = db.session.execute(update(BulkExport).where(BulkExport.id == job_id, free).values(
            status="running", lease_until=now + timedelta(seconds=LEASE_SECONDS))
            .execution_options(synchronize_session=False))
        if taken.rowcount:
            db.session.commit()
            return db.session.get(BulkExport, job_id)
    return None


def _finish(job, status, error=None):
    now = clock.now()
    job.status, job.error, job.finished_at, job.lease_until = status, error, now, None
    job.expires_at = now + timedelta(seconds=current_app.config["SMART_BULK_FILE_SECONDS"])
    record_access(requester(job) or _nobody(job), "export_" + status, f"BulkExport/{job.id}",
                  outcome="success" if status == "completed" else "failed",
                  detail={"client_id": job.client_id, "written": job.written, "error": error})
    db.session.commit()


def _nobody(job):
    from core.auth import Actor

    return Actor(job.user_id, "system", client_id=job.client_id)


def _write_page(job, actor, position, counts):
    """Export one page at the job's position; return False when every type is done."""
    types, filters = json.loads(job.types), json.loads(job.type_filters)
    if position["type"] >= len(types):
        return False
    resource_type = types[position["type"]]
    searches = filters.get(resource_type) or [[]]
    params = [tuple(p) for p in searches[position["filter"]]]
    earlier = [[tuple(p) for p in search] for search in searches[:position["filter"]]]
    if job.since is not None:
        params.append(("_lastUpdated", "gt" + job.since.isoformat()))
    patients = json.loads(job.patient_ids) if job.patient_ids is not None else None
    resources, cursor = records_api.export_page(actor, resource_type, params, patient_ids=patients,
                                                cursor=position.get("cursor"),
                                                page_size=current_app.config["SMART_BULK_PAGE_SIZE"], unless=earlier)
    export_dir(job.id).mkdir(parents=True, exist_ok=True)
    path = export_dir(job.id) / f"{resource_type}.ndjson"
    with open(path, "ab") as out:
        if out.tell() != position["offset"]:
            out.truncate(position["offset"])  # a page written after the last commit, by a runner that died
            out.seek(position["offset"])
        out.write(b"".join(json.dumps(r, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
                           for r in resources))
        out.flush()
        os.fsync(out.fileno())
        position["offset"] = out.tell()
    counts[resource_type] = counts.get(resource_type, 0) + len(resources)
    job.written += len(resources)
    position["cursor"] = cursor
    if cursor is None:
        position["filter"] += 1
        if position["filter"] >= len(searches):
            position.update(type=position["type"] + 1, filter=0, offset=0)
    return True


def run_slice(job, budget_seconds):
    """Work on `job` for about `budget_seconds`, committing after every page."""
    actor = requester(job)
    if actor is None:
        return _finish(job, "failed", "The account that asked for this export is no longer active.")
    position = {"type": 0, "filter": 0, "cursor": None, "offset": 0, **json.loads(job.position or "{}")}
    counts = {o["type"]: o["count"] for o in json.loads(job.output or "[]")}
    deadline = time.monotonic() + budget_seconds
    while time.monotonic() < deadline:
        db.session.refresh(job)
        if job.status != "running":  # cancelled meanwhile
            shutil.rmtree(export_dir(job.id), ignore_errors=True)
            return None
        try:
            more = _write_page(job, actor, position, counts)
        except (FhirError, ApiError) as error:
            db.session.rollback()
            return _finish(db.session.get(BulkExport, job.id), "failed", getattr(error, "diagnostics", None)
                           or getattr(error, "detail", None) or str(error))
        job.position = json.dumps(position)
        job.output = json.dumps([{"type": t, "count": c} for t, c in counts.items() if c])
        job.lease_until = clock.now() + timedelta(seconds=LEASE_SECONDS)
        if not more:
            return _finish(job, "completed")
        db.session.commit()
    return None


@register_periodic("smart.run_exports", seconds=2)
def run_exports(budget_seconds=None):
    """Advance waiting and running exports (one at a time, within the budget); returns how many were touched."""
    budget = budget_seconds if budget_seconds is not None else current_app.config["SMART_BULK_SLICE_SECONDS"]
    deadline, touched = time.monotonic() + budget, 0
    while time.monotonic() < deadline:
        job = _claim()
        if job is None:
            break
        touched += 1
        try:
            run_slice(job, max(0.0, deadline - time.monotonic()))
        except Exception:  # a bug, not bad input: fail the job cleanly rather than retrying it for ever
            db.session.rollback()
            log.exception("bulk export %s failed", job.id)
            _finish(db.session.get(BulkExport, job.id), "failed", "The export failed on the server.")
    return {"exports": touched}


@register_periodic("smart.expire_exports", seconds=60)
def expire_exports():
    """Delete the files of finished exports past their expiry; the export then answers 404."""
    expired = db.session.scalars(select(BulkExport).where(
        BulkExport.status.in_(("completed", "failed", "cancelled")), BulkExport.expires_at < clock.now())).all()
    for job in expired:
        shutil.rmtree(export_dir(job.id), ignore_errors=True)
        job.status = "expired"
    return {"expired": len(expired)}
