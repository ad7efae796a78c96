"""OperationOutcome resources (http://hl7.org/fhir/R4/operationoutcome.html)."""

# HTTP status -> OperationOutcome issue code, for errors that carry no code of their own.
STATUS_CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported",
                406: "not-supported", 409: "conflict", 410: "deleted", 412: "conflict", 413: "too-costly",
                415: "not-supported", 422: "processing", 429: "throttled", 500: "exception",
                503: "transient"}


def operation_outcome(severity, code, diagnostics=None, expression=None):
    """An OperationOutcome with one issue."""
    issue = {"severity": severity, "code": code}
    if diagnostics:
        issue["diagnostics"] = diagnostics
    if expression:
        issue["expression"] = list(expression)
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def error_outcome(status, code=None, diagnostics=None, expression=None):
    """The OperationOutcome for an error answered with HTTP `status`."""
    severity = "fatal" if status >= 500 else "error"
    return operation_outcome(severity, code or STATUS_CODES.get(status, "processing"), diagnostics, expression)


def from_error(error):
    """The OperationOutcome for a records FhirError."""
    return error_outcome(error.status, getattr(error, "code", None), getattr(error, "diagnostics", None) or str(error),
                         getattr(error, "expression", None))


def informational(diagnostics):
    """A success OperationOutcome (Prefer: return=OperationOutcome, deletes)."""
    return operation_outcome("information", "informational", diagnostics)


def fhir_error(status, code, diagnostics, expression=None):
    """A records FhirError raised by the service or HTTP layer (so all errors render alike)."""
    from records.errors import FhirError

    return FhirError(status, code, diagnostics, expression=list(expression or []))
