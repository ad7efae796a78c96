"""The FHIR router: a table of tiny handlers, one per interaction (after Medplum's fhir-router).

No Flask here: the HTTP views and the Bundle processor both build a `Request`, call `route` with
the records API bound to the actor (`ops`), and turn the `Reply` into a response or a Bundle entry.
Spec: http://hl7.org/fhir/R4/http.html
"""
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import parse_qsl

from records import subsetting, validation
from records.fhir import bundles, capability, conditional
from records.fhir.outcome import fhir_error

ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
WHOLE_NUMBER = re.compile(r"^[0-9]{1,18}$")  # ASCII only: str.isdigit() also accepts "²", which int() refuses
MAX_COUNT = 1000
MAX_OFFSET = 2**31 - 1
DEFAULT_COUNT = 50


@dataclass
class Request:
    method: str
    path: str  # relative to the FHIR base, no leading slash: "Patient/1/_history/2"
    query: list = field(default_factory=list)  # [(name, value)], without _format / _pretty
    body: object = None
    if_match: str | None = None
    if_none_exist: str | None = None
    strict: bool = False  # Prefer: handling=strict
    base_url: str = ""


@dataclass
class Reply:
    status: int
    resource: dict | None = None
    location: str | None = None  # "Type/id/_history/vid", made absolute by the caller


def _count(query, default=DEFAULT_COUNT):
    raw = dict(query).get("_count")
    if raw is None:
        return default
    if not WHOLE_NUMBER.match(raw):
        raise fhir_error(400, "invalid", f"_count must be a non-negative integer, not {raw!r}", ["_count"])
    return min(int(raw), MAX_COUNT)


def conditional_criteria(query, where="If-None-Exist"):
    """The search criteria of a conditional create, paging controls dropped; 400 when none are left,
    since an empty query would match (and return) whatever resource happens to exist."""
    params = [(k, v) for k, v in query if k not in ("_count", "_cursor", "_sort", "_total", "_summary")]
    if not params:
        raise fhir_error(400, "invalid", f"{where} must name search criteria.", [where])
    return params + [("_count", "2")]


def _checked_id(resource_id):
    if not ID.match(resource_id):
        raise fhir_error(400, "invalid", f"{resource_id!r} is not a valid resource id.")
    return resource_id


def _body_of_type(req, resource_type):
    return _resource_of_type(req.body, resource_type)


def _resource_of_type(body, resource_type):
    if not isinstance(body, dict) or "resourceType" not in body:
        raise fhir_error(400, "structure", "The body must be a FHIR resource (a JSON object with resourceType).")
    if body["resourceType"] != resource_type:
        raise fhir_error(400, "invalid", f"The body is a {body['resourceType']}, the URL names {resource_type}.",
                         ["resourceType"])
    return body


def location_of(resource):
    """The relative versioned location of a stored resource."""
    return f"{resource['resourceType']}/{resource['id']}/_history/{resource['meta']['versionId']}"


def read(ops, req, type, id):
    """GET [type]/[id] (http://hl7.org/fhir/R4/http.html#read)."""
    return Reply(200, subsetting.subset(ops.read(type, _checked_id(id)), *subsetting.requested(req.query)))


def vread(ops, req, type, id, vid):
    """GET [type]/[id]/_history/[vid] (http://hl7.org/fhir/R4/http.html#vread)."""
    return Reply(200, subsetting.subset(ops.read_version(type, _checked_id(id), vid), *subsetting.requested(req.query)))


def create(ops, req, type):
    """POST [type], conditional with If-None-Exist (http://hl7.org/fhir/R4/http.html#create)."""
    body = _body_of_type(req, type)
    if req.if_none_exist:
        saved, created = ops.conditional_create(body, parse_qsl(req.if_none_exist.lstrip("?").split("?")[-1]))
        return Reply(201 if created else 200, saved, location_of(saved))
    saved = ops.create(body)
    return Reply(201, saved, location_of(saved))


def update(ops, req, type, id):
    """PUT [type]/[id]; creates with the client's id when new (http://hl7.org/fhir/R4/http.html#update)."""
    body = _body_of_type(req, type)
    if body.get("id") != id:
        raise fhir_error(400, "invalid", "The resource id must be present and equal the id in the URL.", ["id"])
    saved, created = ops.update(type, _checked_id(id), body, if_match=req.if_match)
    return Reply(201 if created else 200, saved, location_of(saved))


def _writable(resource_type):
    if resource_type in capability.READ_ONLY:
        raise fhir_error(405, "not-supported", f"{resource_type} is read-only.")
    return resource_type


def conditional_update(ops, req, type):
    """PUT [type]?criteria (http://hl7.org/fhir/R4/http.html#cond-update)."""
    _writable(type)
    criteria = conditional_criteria(req.query, "The conditional update")
    body = _body_of_type(req, type)
    saved, created = conditional.conditional_update(ops, type, criteria, body, if_match=req.if_match)
    return Reply(201 if created else 200, saved, location_of(saved))


def conditional_delete(ops, req, type):
    """DELETE [type]?criteria, one match at most (http://hl7.org/fhir/R4/http.html#3.1.0.7.1)."""
    conditional.conditional_delete(ops, _writable(type), conditional_criteria(req.query, "The conditional delete"))
    return Reply(204)


def patch(ops, req, type, id):
    """PATCH [type]/[id] with JSON Patch or JSON Merge Patch (http://hl7.org/fhir/R4/http.html#patch)."""
    saved, _ = conditional.patch(ops, _writable(type), _checked_id(id), req.body, if_match=req.if_match)
    return Reply(200, saved, location_of(saved))


def conditional_patch(ops, req, type):
    """PATCH [type]?criteria, one match (http://hl7.org/fhir/R4/http.html#patch)."""
    criteria = conditional_criteria(req.query, "The conditional patch")
    saved, _ = conditional.conditional_patch(ops, _writable(type), criteria, req.body, if_match=req.if_match)
    return Reply(200, saved, location_of(saved))


def delete(ops, req, type, id):
    """DELETE [type]/[id] (http://hl7.org/fhir/R4/http.html#delete)."""
    ops.delete(type, _checked_id(id))
    return Reply(204)


def search(ops, req, type):
    """GET [type]?... and POST [type]/_search (http://hl7.org/fhir/R4/search.html)."""
    result = ops.search(type, req.query, strict=req.strict)
    if req.strict and result.unsupported:  # the store refuses these itself; includes are checked late
        names = [item[0] if isinstance(item, tuple) else item for item in result.unsupported]
        raise fhir_error(400, "not-supported", f"Unsupported search parameters: {', '.join(names)}", names)
    return Reply(200, bundles.searchset(result, req.base_url, type, dict(req.query).get("_cursor")))


def _since(query):
    raw = dict(query).get("_since")
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise fhir_error(400, "invalid", f"_since must be an instant, not {raw!r}", ["_since"]) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _history(ops, req, path, type=None, id=None):
    count, offset = _count(req.query), dict(req.query).get("_offset", "0")
    if not WHOLE_NUMBER.match(offset) or int(offset) > MAX_OFFSET:
        raise fhir_error(400, "invalid", f"_offset must be an integer from 0 to {MAX_OFFSET}", ["_offset"])
    entries, total = ops.history(type, id, since=_since(req.query), count=count, offset=int(offset))
    return Reply(200, bundles.history(entries, total, req.base_url, path, req.query, count, int(offset)))


def instance_history(ops, req, type, id):
    """GET [type]/[id]/_history (http://hl7.org/fhir/R4/http.html#history)."""
    return _history(ops, req, f"{type}/{id}/_history", type, _checked_id(id))


def type_history(ops, req, type):
    """GET [type]/_history."""
    return _history(ops, req, f"{type}/_history", type)


def system_history(ops, req):
    """GET /_history."""
    return _history(ops, req, "_history")


def everything(ops, req, id):
    """GET Patient/[id]/$everything, paged (http://hl7.org/fhir/R4/patient-operation-everything.html)."""
    cursor = dict(req.query).get("_cursor")
    result = ops.everything(_checked_id(id), count=_count(req.query), cursor=cursor)
    return Reply(200, bundles.searchset(result, req.base_url, f"Patient/{id}/$everything", cursor))


def _validate_arguments(req, type):
    """The resource and mode of a $validate call: the body itself, or a Parameters with `resource` (and `mode`)."""
    body = req.body
    if isinstance(body, dict) and body.get("resourceType") == "Parameters" and type != "Parameters":
        given = {p.get("name"): p for p in body.get("parameter") or () if isinstance(p, dict)}
        unknown = sorted(set(given) - {"resource", "mode"}, key=str)
        if unknown:
            raise fhir_error(400, "not-supported", f"$validate takes resource and mode, not {unknown}.", ["Parameters"])
        mode = (given.get("mode") or {}).get("valueCode")
        if mode not in (None, "create", "update"):
            raise fhir_error(400, "not-supported", "$validate checks content: mode may be create or update.",
                             ["Parameters.parameter.mode"])
        body = (given.get("resource") or {}).get("resource")
    return _resource_of_type(body, type)


def validate(ops, req, type):
    """POST [type]/$validate: the checks a create or update makes of the content (the R4B model, required
    bindings), nothing stored (http://hl7.org/fhir/R4/operation-resource-validate.html). 200 with an
    informational OperationOutcome when valid, 400 with the problems otherwise (as Medplum answers)."""
    validation.validate_resource(_validate_arguments(req, type), type)
    return Reply(200, {"resourceType": "OperationOutcome", "issue": [
        {"severity": "information", "code": "informational", "diagnostics": f"The {type} is valid."}]})


T, I = r"(?P<type>[A-Z][A-Za-z]+)", r"(?P<id>[^/]+)"
ROUTES = [(method, re.compile(f"^{pattern}$"), handler) for method, pattern, handler in (
    ("GET", r"_history", system_history),
    ("GET", rf"Patient/{I}/\$everything", everything),
    ("POST", rf"Patient/{I}/\$everything", everything),
    ("POST", rf"{T}/\$validate", validate),
    ("GET", rf"{T}/_history", type_history),
    ("GET", rf"{T}/_search", search),
    ("POST", rf"{T}/_search", search),
    ("GET", rf"{T}/{I}/_history/(?P<vid>[^/]+)", vread),
    ("GET", rf"{T}/{I}/_history", instance_history),
    ("GET", rf"{T}/{I}", read),
    ("PUT", rf"{T}/{I}", update),
    ("DELETE", rf"{T}/{I}", delete),
    ("PATCH", rf"{T}/{I}", patch),
    ("GET", T, search),
    ("POST", T, create),
    ("PUT", T, conditional_update),
    ("DELETE", T, conditional_delete),
    ("PATCH", T, conditional_patch),
)]


def check_supported(resource_type, where=None):
    """FhirError 404 unless /fhir serves `resource_type` (a type it cannot search or read is never stored)."""
    if resource_type not in capability.supported_types():
        raise fhir_error(404, "not-supported", f"Resource type {resource_type!r} is not supported here.",
                         [where] if where else None)


def route(ops, req):
    """Dispatch `req` to its handler; FhirError for unknown types (404) and methods (405)."""
    path = req.path.strip("/")
    allowed = []
    for method, pattern, handler in ROUTES:
        match = pattern.match(path)
        if not match:
            continue
        resource_type = match.groupdict().get("type")
        if resource_type:
            check_supported(resource_type)
        if method == req.method or (method == "GET" and req.method == "HEAD"):
            return handler(ops, req, **match.groupdict())
        allowed.append(method)
    if allowed:
        raise fhir_error(405, "not-supported", f"{req.method} is not allowed on /{path}; use {', '.join(allowed)}.")
    raise fhir_error(404, "not-found", f"No FHIR interaction at /{path}.")
