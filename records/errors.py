"""The one error type of the records domain; the FHIR layer renders it as an OperationOutcome.

Issue codes: https://hl7.org/fhir/R4/valueset-issue-type.html
"""


class FhirError(Exception):
    """An error with an HTTP status, an OperationOutcome issue code, and the element paths at fault."""

    def __init__(self, status, code, diagnostics, expression=None):
        super().__init__(diagnostics)
        self.status = status
        self.code = code
        self.diagnostics = diagnostics
        self.expression = list(expression or [])

    def __repr__(self):
        return f"FhirError({self.status}, {self.code!r}, {self.diagnostics!r}, {self.expression!r})"

    def to_operation_outcome(self):
        """The error as an OperationOutcome resource (dict)."""
        issue = {"severity": "error", "code": self.code, "diagnostics": self.diagnostics}
        if self.expression:
            issue["expression"] = self.expression
        return {"resourceType": "OperationOutcome", "issue": [issue]}
