"""Retention: the rules (data, per kind, defaults in compliance.retention_kinds), the runs that remove what is
past its period and under no hold, in batches, with a report (a dry run only counts), and patients' erasure
requests, honoured by the runs as far as each kind's legal minimum allows."""
import json
from datetime import timedelta

from sqlalchemy import select

from clinic.consult import Consultation
from compliance import holds, retention_clinical
from compliance.models import ErasureRequest, RetentionRule, RetentionRun
from compliance.retention_kinds import ERASABLE, KINDS, count, remove_batch
from core import clock
from core.audit import record_access
from core.errors import ApiError
from core.extensions import db
from pharmacy import services as pharmacy

BATCH = 500


def rules():
    """Every kind's rule: the stored one, else the default."""
    stored = {row.kind: row for row in db.session.scalars(select(RetentionRule))}
    return [{"kind": kind.name, "period_days": stored[kind.name].period_days if kind.name in stored
             else kind.period_days, "minimum_days": kind.minimum_days, "basis": kind.basis, "action": kind.action,
             "updated_at": stored[kind.name].updated_at if kind.name in stored else None}
            for kind in KINDS.values()]


def set_rule(actor, kind, period_days):
    """Change a kind's period (never below its legal minimum)."""
    if kind not in KINDS:
        raise ApiError(404, "not_found", f"No retention kind {kind!r}.")
    if period_days < KINDS[kind].minimum_days:
        raise ApiError(422, "below_legal_minimum", f"{kind} must be kept at least {KINDS[kind].minimum_days} days.",
                       minimum_days=KINDS[kind].minimum_days)
    row = db.session.get(RetentionRule, kind) or RetentionRule(kind=kind, minimum_days=KINDS[kind].minimum_days)
    row.period_days, row.updated_by, row.updated_at = period_days, actor.user_id, clock.now()
    db.session.add(row)
    db.session.flush()
    record_access(actor, "update", f"RetentionRule/{kind}", None, detail={"period_days": period_days})
    return next(rule for rule in rules() if rule["kind"] == kind)


def _held():
    """What the holds keep: held consultations include those of held prescriptions."""
    scope = holds.held_scope()
    scope["audit_patients"] = set(scope["patients"])  # the access log of anyone whose data a hold keeps
    for prescription_id in scope["prescriptions"]:
        chain = pharmacy.prescription_chain(prescription_id)
        if chain:
            scope["consultations"].add(chain["prescription"]["consultation_id"])
            scope["audit_patients"].add(chain["prescription"]["patient_id"])
    scope["audit_patients"] |= set(db.session.scalars(select(Consultation.patient_id).where(
        Consultation.id.in_(scope["consultations"] or [""]))))
    return {key: sorted(value) for key, value in scope.items()}


def _purge(actor, kind, cutoff, held, patient_id=None, commit_each=None):
    """Remove what of `kind` is past `cutoff` and under no hold, batch by batch; (removed, refused)."""
    if kind == "clinical_records":
        return retention_clinical.purge(actor, cutoff, held, patient_id, commit_each)
    removed = 0
    while done := remove_batch(kind, cutoff, held, BATCH, patient_id):
        removed += done
        if commit_each:
            commit_each()
    return removed, []


def _erase(actor, requests, now, held, dry_run, commit_each):
    report = []
    for request in requests:
        erased, waiting = {}, {}
        for kind in ERASABLE:
            cutoff = now - timedelta(days=KINDS[kind].minimum_days)
            erased[kind] = (count(kind, cutoff, held, request.patient_id) if dry_run
                            else _purge(actor, kind, cutoff, held, request.patient_id, commit_each)[0])
            waiting[kind] = count(kind, now + timedelta(days=36600), None, request.patient_id) - (
                erased[kind] if dry_run else 0)
        if not dry_run:
            request.note = json.dumps({"erased": erased, "kept_until_their_minimum": waiting})
            if not any(waiting.values()):
                request.status, request.honoured_at = "honoured", now
        report.append({"request": request.id, "patient": request.patient_id, "erased": erased, "waiting": waiting})
    return report


def run_retention(actor, dry_run, commit_each=None):
    """One retention run: per kind, what is past its period (eligible), kept by a hold (held), removed (or
    anonymised) and, for clinical records, refused by records (a write or a hold since the count)."""
    now = clock.now()
    run = RetentionRun(dry_run=dry_run, started_by=actor.user_id, started_at=now)
    db.session.add(run)
    held, report = _held(), {}
    for rule in rules():
        kind, cutoff = rule["kind"], now - timedelta(days=rule["period_days"])
        eligible, free = count(kind, cutoff), count(kind, cutoff, held)
        removed, refused = (0, []) if dry_run else _purge(actor, kind, cutoff, held, commit_each=commit_each)
        report[kind] = {"cutoff": cutoff.isoformat(), "action": rule["action"], "eligible": eligible,
                        "held": eligible - free, "removed": removed, **({"refused": refused} if refused else {})}
    pending = db.session.scalars(select(ErasureRequest).where(ErasureRequest.status == "pending")).all()
    report["erasure_requests"] = _erase(actor, pending, now, held, dry_run, commit_each)
    run.report, run.finished_at = json.dumps(report), clock.now()
    db.session.flush()
    record_access(actor, "retention-run", f"RetentionRun/{run.id}", None, detail={"dry_run": dry_run},
                  durable=not dry_run)
    return run


def request_erasure(actor, patient_id):
    """Record a patient's erasure request (one pending per patient: asking again answers the pending one)."""
    pending = db.session.scalar(select(ErasureRequest).where(ErasureRequest.patient_id == patient_id,
                                                             ErasureRequest.status == "pending"))
    if pending is None:
        pending = ErasureRequest(patient_id=patient_id, requested_by=actor.user_id, requested_at=clock.now(),
                                 status="pending")
        db.session.add(pending)
        db.session.flush()
    record_access(actor, "erasure-request", f"ErasureRequest/{pending.id}", f"Patient/{patient_id}")
    return pending
