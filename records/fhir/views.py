"""The /fhir blueprint: turns HTTP into router Requests and Replies into FHIR responses.

Every error under /fhir is an OperationOutcome (records FhirError here, kernel and routing errors
through core.errors.register_error_renderer). Spec: http://hl7.org/fhir/R4/http.html
"""
from flask import Blueprint, request

from core.auth import current_actor
from core.errors import register_error_renderer
from records import api
from records.errors import FhirError
from records.fhir import capability, router, wire
from records.fhir.outcome import error_outcome, fhir_error, from_error, informational
from records.fhir.transactions import Operations

bp = Blueprint("fhir", __name__, url_prefix="/fhir")
INTERACTION_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]


@bp.before_request
def check_format():
    """Refuse XML before doing anything else (406)."""
    wire.check_format()


@bp.errorhandler(FhirError)
def render_fhir_error(error):
    """FhirError -> OperationOutcome with the error's status."""
    return wire.respond(from_error(error), error.status)


def render_kernel_error(status, code, title, detail, headers, extra):
    """Kernel errors (401, 404/405/413 from routing, 500) under /fhir -> OperationOutcome."""
    diagnostics = detail or title
    if extra.get("errors"):
        diagnostics = f"{diagnostics} " + "; ".join(f"{e.get('field')}: {e.get('message')}" for e in extra["errors"])
    return wire.respond(error_outcome(status, None, diagnostics), status, headers)


def register_error_rendering(app):
    """Install the OperationOutcome renderer for everything under /fhir."""
    register_error_renderer("/fhir", render_kernel_error)


def _resource_headers(resource, location=None):
    headers = wire.version_headers(resource)
    if location:
        headers["Location"] = f"{wire.base_url()}/{location}"
    return headers


def _respond_to(reply, prefer):
    headers = _resource_headers(reply.resource, reply.location if reply.status in (200, 201) and
                                request.method in ("POST", "PUT") else None)
    wants = prefer.get("return", "representation")
    if reply.status == 204 or reply.resource is None:
        if wants == "OperationOutcome":
            return wire.respond(informational("Done."), 200, headers)
        return wire.respond(None, 204 if reply.status in (200, 204) else reply.status, headers)
    if request.method in ("POST", "PUT") and wants == "minimal":
        return wire.respond(None, reply.status, headers)
    if request.method in ("POST", "PUT") and wants == "OperationOutcome":
        return wire.respond(informational(f"{reply.resource['resourceType']} saved."), reply.status, headers)
    return wire.respond(reply.resource, reply.status, headers)


@bp.get("/metadata")
def read_capabilities():
    """The CapabilityStatement; no authentication needed (http://hl7.org/fhir/R4/http.html#capabilities)."""
    return wire.respond(capability.capability_statement(wire.base_url()))


@bp.route("", methods=INTERACTION_METHODS, strict_slashes=False)
@bp.route("/", methods=INTERACTION_METHODS)
def process_bundle():
    """POST [base]: a batch or transaction Bundle (http://hl7.org/fhir/R4/http.html#transaction)."""
    if request.method != "POST":
        raise fhir_error(405, "not-supported", "Only POST (a batch or transaction Bundle) is allowed at the base.")
    actor = current_actor()
    bundle = wire.json_body()
    kind = bundle.get("type") if isinstance(bundle, dict) and bundle.get("resourceType") == "Bundle" else None
    if kind == "transaction":
        result = api.transaction(actor, bundle, base_url=wire.base_url())
    elif kind == "batch":
        result = api.batch(actor, bundle, base_url=wire.base_url())
    else:
        raise fhir_error(400, "invalid", "POST to the base takes a Bundle of type batch or transaction.",
                         ["Bundle.type"])
    return wire.respond(result)


@bp.route("/<path:path>", methods=INTERACTION_METHODS)
def handle_interaction(path):
    """Every other interaction: one router lookup, one handler (see records.fhir.router.ROUTES)."""
    actor = current_actor()
    query = wire.query_params()
    body = wire.json_body() if request.method in ("POST", "PUT", "PATCH") else None
    prefer = wire.preferences()
    req = router.Request(method=request.method, path=path, query=query, body=body,
                         if_match=wire.etag_version(request.headers.get("If-Match")),
                         if_none_exist=request.headers.get("If-None-Exist"),
                         strict=prefer.get("handling") == "strict", base_url=wire.base_url())
    reply = router.route(Operations.bind(api, actor), req)
    return _respond_to(reply, prefer)
