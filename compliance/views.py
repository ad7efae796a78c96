"""The regulator's reads: the supervision feed (pull) and the trace of a prescription chain."""
from urllib.parse import urlencode

from flask import current_app, request
from flask.views import MethodView

from compliance import feed, trace
from compliance.schemas import FeedPageSchema, FeedQuerySchema, TraceSchema
from core.audit import record_access
from core.auth import current_actor, require_role
from core.blueprint import Blueprint

bp = Blueprint("supervision", __name__, url_prefix="/api/v1", description="Supervision feed and traces (regulator)")
READERS = ("regulator", "admin")


def _next_url(cursor, limit):
    public = current_app.config.get("PUBLIC_BASE_URL")
    root = public.rstrip("/").removesuffix("/fhir") if public else request.url_root.rstrip("/")
    return f"{root}{request.path}?{urlencode({'cursor': cursor, 'limit': limit})}"


@bp.route("/supervision/feed")
class Feed(MethodView):
    @require_role(*READERS)
    @bp.doc(operationId="readSupervisionFeed")
    @bp.arguments(FeedQuerySchema, location="query")
    @bp.response(200, FeedPageSchema)
    def get(self, query):
        """The supervision feed in order from a cursor (none: from the start). Every page gives the cursor to
        resume from, so a client that stores it never misses nor repeats an entry."""
        entries = feed.entries_after(query["after"], query["limit"])
        last = entries[-1].id if entries else query["after"]
        record_access(current_actor(), "search", "SupervisionFeed", None,
                      detail={"after": query["after"], "count": len(entries),
                              "patients": sorted({e.patient_ref for e in entries if e.patient_ref})[:50]})
        cursor = feed.encode_cursor(last)
        # The house page {items, next, total}: a feed has no total, and `next` is there even when nothing is new.
        return {"items": [feed.entry_to_dict(e) for e in entries], "next": _next_url(cursor, query["limit"]),
                "total": None}


@bp.route("/trace/<string:prescription_id>")
class Trace(MethodView):
    @require_role(*READERS)
    @bp.doc(operationId="readPrescriptionTrace")
    @bp.errors({404: "No such prescription."})
    @bp.response(200, TraceSchema)
    def get(self, prescription_id):
        """A prescription's whole chain: signed, reviewed, dispensed, delivered, with times and actors, the
        doctor's signature verified again and the FHIR resources involved."""
        return trace.read_trace(current_actor(), prescription_id)
