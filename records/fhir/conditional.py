"""Conditional update, conditional delete and PATCH, written once on top of the records API bound to the
actor (`ops`: read, search, create, update, delete), as Medplum's router does.

- Conditional update `PUT [type]?criteria` (http://hl7.org/fhir/R4/http.html#cond-update): no match
  creates (with the body's id when it has one), one match is updated, several answer 412.
- Conditional delete `DELETE [type]?criteria` (http://hl7.org/fhir/R4/http.html#3.1.0.7.1): no match
  is 204, one match is deleted, several answer 412 (conditionalDelete "single").
- PATCH `[type]/[id]` or `[type]?criteria` (one match; http://hl7.org/fhir/R4/http.html#patch) with
  JSON Patch (RFC 6902, a list of operations: the `jsonpatch` library) or JSON Merge Patch (RFC 7386, an
  object of the elements to set, null removing one: what fhirpy's `.patch()` sends). The result is validated and versioned like an
  update. FHIRPath Patch (a Parameters body) is not supported (415).

The matches are searched within what the caller may see, strictly (an unknown parameter is refused, not
dropped: dropped, the rest would match anything). Two conditional writes with the same criteria run one
after the other (a lock on the criteria), so two concurrent "create if absent" do not both create.
"""
import base64
import json
from urllib.parse import urlencode

import jsonpatch
import jsonpointer

from core.transaction import serialise_on
from records.errors import FhirError
from records.fhir.outcome import fhir_error

PATCH_ATTEMPTS = 3  # a PATCH without If-Match re-applies itself to a version written meanwhile


def _single_match(ops, resource_type, criteria, what):
    serialise_on(f"fhir-match:{resource_type}?{urlencode(sorted(criteria))}")
    matches = ops.search(resource_type, criteria, strict=True).resources
    if len(matches) > 1:
        raise fhir_error(412, "multiple-matches", f"The {what} criteria match several {resource_type} resources; "
                                                  "narrow them to one.")
    return matches[0] if matches else None


def conditional_update(ops, resource_type, criteria, resource, if_match=None):
    """Update the one match of `criteria`, or create when none: (resource, created)."""
    match = _single_match(ops, resource_type, criteria, "conditional update")
    if match is None:
        if resource.get("id"):
            return ops.update(resource_type, resource["id"], resource, if_match=if_match)
        return ops.create(resource), True
    if resource.get("id") not in (None, match["id"]):
        raise fhir_error(400, "invalid", f"The criteria match {resource_type}/{match['id']}, the body names "
                                         f"{resource['id']}.", ["id"])
    return ops.update(resource_type, match["id"], {**resource, "id": match["id"]}, if_match=if_match)


def conditional_delete(ops, resource_type, criteria):
    """Delete the one match of `criteria` (nothing when none)."""
    match = _single_match(ops, resource_type, criteria, "conditional delete")
    if match is not None:
        ops.delete(resource_type, match["id"])


def conditional_patch(ops, resource_type, criteria, body, if_match=None):
    """PATCH the one match of `criteria` (404 when none)."""
    match = _single_match(ops, resource_type, criteria, "conditional patch")
    if match is None:
        raise fhir_error(404, "not-found", f"No {resource_type} matches the conditional patch criteria.")
    return patch(ops, resource_type, match["id"], body, if_match=if_match)


def merge_patch(target, patch):
    """RFC 7386 section 2, as written there (ten lines; no maintained library is smaller)."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = merge_patch(result.get(name), value)
    return result


def _from_binary(patch):
    """A Bundle entry carries its JSON Patch as a Binary (http://hl7.org/fhir/R4/http.html#patch)."""
    try:
        return json.loads(base64.b64decode(patch.get("data") or "", validate=True))
    except (ValueError, TypeError):
        raise fhir_error(400, "structure", "The Binary's data must be a base64-encoded JSON Patch.") from None


def _patched(current, patch):
    if isinstance(patch, dict) and patch.get("resourceType") == "Binary":
        patch = _from_binary(patch)
    if isinstance(patch, list):
        try:
            return jsonpatch.JsonPatch(patch).apply(current)
        except jsonpatch.InvalidJsonPatch as exc:
            raise fhir_error(400, "invalid", f"Invalid JSON Patch: {exc}") from None
        except (jsonpatch.JsonPatchConflict, jsonpatch.JsonPatchTestFailed, jsonpointer.JsonPointerException) as exc:
            raise fhir_error(422, "processing", f"The JSON Patch does not apply to this version: {exc}") from None
    if isinstance(patch, dict) and patch.get("resourceType") == "Parameters":
        raise fhir_error(415, "not-supported", "FHIRPath Patch is not supported; send a JSON Patch "
                                               "(application/json-patch+json) or a JSON Merge Patch.")
    if isinstance(patch, dict):
        return merge_patch(current, patch)
    raise fhir_error(400, "structure", "A PATCH body is a JSON Patch (an array) or a JSON Merge Patch (an object).")


def patch(ops, resource_type, resource_id, body, if_match=None):
    """Apply `body` to the current version and store the result as an update: (resource, created=False)."""
    attempt = 1
    while True:
        current = ops.read(resource_type, resource_id)
        patched = _patched(current, body)
        if not isinstance(patched, dict) or patched.get("resourceType") != resource_type \
                or patched.get("id") != resource_id:
            raise fhir_error(400, "invalid", "A PATCH may not change the resource's type or id.", ["id"])
        try:  # against the version patched: a write in between is a 412, then patched again
            return ops.update(resource_type, resource_id, patched, if_match=if_match or current["meta"]["versionId"])
        except FhirError as exc:
            if if_match or exc.status != 412 or attempt == PATCH_ATTEMPTS:
                raise
        attempt += 1
