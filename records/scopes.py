"""SMART scopes (App Launch 2.0, http://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html):
parsing and the question "does this token's scope allow this interaction on this type?". Pure: no Flask.

A resource scope is `<context>/<type or *>.<permissions>`: context patient, user or system; permissions
v2 letters in the order c r u d s (`rs`, `cruds`), or the v1 words `read` (= rs), `write` (= cud), `*`.
The scopes only ever narrow: records.access applies them on top of the role and relationship rules.
"""
import re
from dataclasses import dataclass

CONTEXTS = ("patient", "user", "system")
_V2 = re.compile(r"^c?r?u?d?s?$")
_V1 = {"read": "rs", "write": "cud", "*": "cruds"}
_RESOURCE = re.compile(r"^(patient|user|system)/(\*|[A-Z][A-Za-z]+)\.([a-z*]+)(\?.*)?$")


@dataclass(frozen=True)
class ResourceScope:
    """One resource scope: context, type (or "*") and permission letters."""

    context: str
    resource_type: str
    permissions: str

    def allows(self, resource_type, permission):
        return self.resource_type in ("*", resource_type) and permission in self.permissions


def parse_resource_scope(scope):
    """The ResourceScope of `scope`, or None when it is not a (valid) resource scope."""
    found = _RESOURCE.match(scope or "")
    if not found:
        return None
    context, resource_type, permissions, _query = found.groups()
    permissions = _V1.get(permissions, permissions)
    if not permissions or not _V2.match(permissions):
        return None
    return ResourceScope(context, resource_type, permissions)


def resource_scopes(scope_text):
    """The resource scopes in a space-separated scope string (others, like openid, are left out)."""
    parsed = (parse_resource_scope(s) for s in (scope_text or "").split())
    return tuple(s for s in parsed if s is not None)


def is_known_scope(scope):
    """True for the scopes this server grants: resource scopes and the launch/identity scopes."""
    return scope in ("openid", "fhirUser", "profile", "offline_access", "online_access", "launch/patient") \
        or parse_resource_scope(scope) is not None


def allows(granted, resource_type, permission, context_patient=None):
    """True when some granted scope permits `permission` (one of c r u d s) on `resource_type`.

    `patient/` scopes only count when the token has a patient in context (SMART: they reach that patient's
    data only); the caller then limits the data to that patient (see records.access)."""
    return any(s.allows(resource_type, permission) and (s.context != "patient" or context_patient)
               for s in granted)


def only_patient_context(granted, resource_type, permission):
    """True when the only scopes permitting the access are `patient/` ones (data limited to one patient)."""
    permitting = [s for s in granted if s.allows(resource_type, permission)]
    return bool(permitting) and all(s.context == "patient" for s in permitting)
