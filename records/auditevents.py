"""AuditEvent resources derived from the kernel's audit trail (read-only).

core.models.AuditEntry is the source of truth; an AuditEvent (http://hl7.org/fhir/R4/auditevent.html)
is a view of one entry, built on every read and never stored. Its id is the entry's id.
Search parameters: agent (user id), entity ("Type/id" of the record or of the patient), date
(with ge/gt/le/lt/eq prefixes), type/subtype (the interaction, e.g. read, search, create).
"""
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import or_, select

from core.extensions import db
from core.models import AuditEntry

EVENT_TYPE = {"system": "http://terminology.hl7.org/CodeSystem/audit-event-type", "code": "rest",
              "display": "RESTful Operation"}
INTERACTION_SYSTEM = "http://hl7.org/fhir/restful-interaction"
USER_SYSTEM = "urn:cloud-hospital:user"
ACTIONS = {"create": "C", "read": "R", "vread": "R", "search": "E", "history": "R", "update": "U",
           "delete": "D", "everything": "E", "transaction": "E", "batch": "E"}
OUTCOMES = {"success": "0", "denied": "4", "failed": "8"}
_WHOLE_NUMBER = re.compile(r"^[0-9]{1,18}$")
SEARCH_PARAMS = {
    "agent": ("reference", "The user who acted (user id, or urn:cloud-hospital:user|id)"),
    "entity": ("reference", "The record or patient accessed ('Type/id')"),
    "patient": ("reference", "The patient whose data was accessed"),
    "date": ("date", "When the access happened"),
    "type": ("token", "The interaction (read, search, create, ...) or 'rest' for all"),
    "subtype": ("token", "The interaction (read, search, create, ...)"),
    "outcome": ("token", "0 success, 4 denied, 8 failed"),
}
PREFIXES = ("ge", "gt", "le", "lt", "eq")


class BadParameter(ValueError):
    """A search parameter value that cannot be used."""


@dataclass
class AuditSearchResult:
    """Same shape as the store's SearchResult, so the HTTP layer renders it alike."""

    resources: list
    total: int
    next_cursor: str | None
    count: int
    params: list
    unsupported: list = field(default_factory=list)
    included: list = field(default_factory=list)
    prev_cursor: str | None = None
    summary_count_only: bool = False


def _iso(moment):
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_audit_event(entry):
    """The AuditEvent view of one AuditEntry."""
    agent = {"type": {"text": entry.role or "system"}, "requestor": True,
             "who": {"identifier": {"system": USER_SYSTEM, "value": entry.user_id or "system"},
                     "display": entry.role or "system"}}
    if entry.address:
        agent["network"] = {"address": entry.address, "type": "2"}
    event = {
        "resourceType": "AuditEvent",
        "id": str(entry.id),
        "meta": {"versionId": "1", "lastUpdated": _iso(entry.at)},
        "type": EVENT_TYPE,
        "subtype": [{"system": INTERACTION_SYSTEM, "code": entry.action}],
        "action": ACTIONS.get(entry.action, "E"),
        "recorded": _iso(entry.at),
        "outcome": OUTCOMES.get(entry.outcome, "8"),
        "agent": [agent],
        "source": {"observer": {"display": "Cloud Hospital records"}},
    }
    if entry.outcome != "success" or entry.detail:
        event["outcomeDesc"] = entry.outcome if not entry.detail else f"{entry.outcome}: {entry.detail}"[:1000]
    entities = []
    if entry.entity:
        is_ref = "?" not in entry.entity and entry.entity.count("/") == 1
        entities.append({"what": {"reference": entry.entity}} if is_ref else {"name": entry.entity})
    if entry.patient_ref and entry.patient_ref != entry.entity:
        entities.append({"what": {"reference": entry.patient_ref}, "type": {"code": "1", "display": "Person"}})
    if entry.request_id:
        entities.append({"name": "request", "description": entry.request_id})
    if entities:
        event["entity"] = entities
    return event


def read_event(event_id):
    """The AuditEvent with `event_id`, or None."""
    entry = db.session.get(AuditEntry, int(event_id)) if _WHOLE_NUMBER.match(str(event_id)) else None
    return to_audit_event(entry) if entry else None


def _parse_date(value):
    prefix = value[:2] if value[:2] in PREFIXES else "eq"
    raw = value[2:] if value[:2] in PREFIXES else value
    try:
        if len(raw) == 10:
            start = datetime.fromisoformat(raw).replace(tzinfo=timezone.utc)
            return prefix, start, start + timedelta(days=1)
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadParameter(f"date: {value!r} is not a FHIR date or dateTime") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return prefix, moment, moment + timedelta(seconds=1)


def _condition(name, value):
    values = value.split(",")
    if name == "agent":
        return AuditEntry.user_id.in_([v.split("|")[-1].split("/")[-1] for v in values])
    if name in ("entity", "patient"):
        refs = [v.split("/_history/")[0] for v in values]
        return or_(AuditEntry.patient_ref.in_(refs)) if name == "patient" else or_(
            AuditEntry.entity.in_(refs), AuditEntry.patient_ref.in_(refs))
    if name in ("type", "subtype"):
        codes = [v.split("|")[-1] for v in values]
        return None if name == "type" and "rest" in codes else AuditEntry.action.in_(codes)
    if name == "outcome":
        wanted = {v.split("|")[-1] for v in values}
        return AuditEntry.outcome.in_([k for k, code in OUTCOMES.items() if code in wanted])
    if name == "date":
        prefix, start, end = _parse_date(value)
        return {"ge": AuditEntry.at >= start, "gt": AuditEntry.at >= end, "le": AuditEntry.at < end,
                "lt": AuditEntry.at < start, "eq": (AuditEntry.at >= start) & (AuditEntry.at < end)}[prefix]
    return None


def search_events(params, count=50):
    """AuditEvents matching `params` (list of (name, value)), newest first, paged by a `_cursor` id."""
    query = select(AuditEntry)
    used, unsupported, cursor = [], [], None
    for name, value in params:
        if name == "_count":
            count = max(0, min(int(value), 1000)) if _WHOLE_NUMBER.match(value) else count
        elif name == "_cursor":  # an entry id: ASCII digits within the 64-bit key (isdigit() also takes "²")
            cursor = int(value) if _WHOLE_NUMBER.match(value) else None
        elif name in SEARCH_PARAMS:
            condition = _condition(name, value)
            if condition is not None:
                query = query.where(condition)
            used.append((name, value))
        else:
            unsupported.append(name)
    total = db.session.scalar(select(db.func.count()).select_from(query.subquery()))
    if cursor is not None:
        query = query.where(AuditEntry.id < cursor)
    rows = db.session.scalars(query.order_by(AuditEntry.id.desc()).limit(count + 1)).all()
    more = len(rows) > count
    rows = rows[:count]
    return AuditSearchResult(resources=[to_audit_event(r) for r in rows], total=total,
                             next_cursor=str(rows[-1].id) if more and rows else None, count=count,
                             params=used + [("_count", str(count))], unsupported=unsupported)
