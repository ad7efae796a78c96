"""Bulk writes of the records service API (re-exported by records.api): seeds and derived views write
many resources in a few round trips; each is still validated and access-checked, and audited."""
from core import auth
from core.audit import audited, record_successes
from records import access, derived, store, store_batch
from records.access import AccessDenied
from records.api_audit import _audit, _compartment, _writable_type
from records.errors import FhirError
from records.fhir.outcome import fhir_error


@audited("update")
def upsert_many(actor, resources, *, maintainer=None):
    """PUT many resources with client ids (derived views, seeds, bulk loads) as `update(..., skip_unchanged=True)`
    would, but new ones go through the store's batch insert and the call leaves one audit entry; (created, updated)."""
    resources = list(resources)
    with _audit(actor, "update", f"bulk upsert ({len(resources)} resources)") as call:
        checked = []
        for resource in resources:
            _writable_type(resource.get("resourceType") if isinstance(resource, dict) else None)
            checked.append(valid := store.validate_resource(resource))
            if not valid.get("id"):
                raise fhir_error(400, "required", "Every resource of a bulk upsert needs an id.")
            call.patient_ids |= (patients := _compartment(valid))
            access.check_write(actor, valid, patients)
            derived.check_not_derived(actor, valid["resourceType"], valid["id"], valid, maintainer=maintainer)
        stored = store.stored_contents((r["resourceType"], r["id"]) for r in checked)
        new = [r for r in checked if (r["resourceType"], r["id"]) not in stored]
        for key, content in stored.items():
            derived.check_not_derived(actor, *key, content, maintainer=maintainer)
        changed = [r for r in checked if (key := (r["resourceType"], r["id"])) in stored
                   and not (stored[key] and store.same_content(stored[key], r))]
        store.create_resources(new, resource_ids=[r["id"] for r in new], validated=True)
        for resource in changed:
            store.update_resource(resource["resourceType"], resource["id"], resource, validated=True)
        call.succeeded({"created": len(new), "updated": len(changed)})
    return len(new), len(changed)


@audited("search")
def existing_ids(actor, resource_type, ids):
    """The subset of `ids` stored (not deleted) as `resource_type`, for bulk loaders (system and admins only)."""
    with _audit(actor, "search", f"{resource_type}?_id (bulk, {len(ids)} ids)") as call:
        if actor.role != "system" and not actor.is_admin:
            raise AccessDenied("Only the system and admins may probe ids in bulk.")
        found = {i for (_, i), content in store.stored_contents((resource_type, i) for i in ids).items() if content}
        call.succeeded({"found": len(found)})
    return found


@audited("update")
def update_many(actor, resources, *, skip_unchanged=False, maintainer=None):
    """`update` of several resources {resourceType, id, ...} in a few round trips (records.store_batch);
    all written or none; each is validated, access-checked and audited as its own update or create (the
    audit entries in one statement). A FhirError's `.item` is the position of the resource at fault."""
    calls, items = [], []
    with auth.relationships_remembered():  # every check comes before the first write
        for position, resource in enumerate(resources):
            resource_type, resource_id = resource.get("resourceType"), resource.get("id")
            try:
                with _audit(actor, "update", f"{resource_type}/{resource_id}") as call:
                    _writable_type(resource_type)
                    checked = store.validate_resource(resource, expected_type=resource_type)
                    call.patient_ids = _compartment(checked)
                    access.check_write(actor, checked, call.patient_ids)
                    derived.check_not_derived(actor, resource_type, resource_id, checked, maintainer=maintainer)
            except FhirError as exc:
                exc.item = position
                raise
            calls.append(call)
            items.append((resource_type, resource_id, checked))
        with _audit(actor, "update", ", ".join(f"{t}/{i}" for t, i, _ in items)):
            existing = store_batch.locked_rows({(t, i) for t, i, _ in items})
            for position, (call, (resource_type, resource_id, _)) in enumerate(zip(calls, items)):
                content = store.row_content(existing.get((resource_type, resource_id)))
                if content is None:
                    call.action = "create"  # update-as-create: audited as what it is
                    continue
                previous = _compartment(content)
                try:
                    access.check_write(actor, content, previous)
                    derived.check_not_derived(actor, resource_type, resource_id, content, maintainer=maintainer)
                except AccessDenied as exc:
                    exc.item = position
                    raise
                call.patient_ids |= previous
            results = store_batch.update_resources(items, skip_unchanged=skip_unchanged, existing=existing)
    record_successes(actor, [call.success_entry() for call in calls])
    return results


def _checked_create(actor, resource, maintainer):
    """(validated resource, its audit call) once `actor` may create it; a failure is audited and raised."""
    resource_type, resource_id = (resource.get("resourceType"), resource.get("id")) \
        if isinstance(resource, dict) else (None, None)
    with _audit(actor, "create", f"{resource_type}/{resource_id}" if resource_id else resource_type) as call:
        _writable_type(resource_type)
        valid = store.validate_resource(resource)
        call.patient_ids = _compartment(valid)
        access.check_write(actor, valid, call.patient_ids)
        derived.check_not_derived(actor, resource_type, resource_id, valid, maintainer=maintainer)
    return valid, call


@audited("create")
def create_many(actor, resources, *, maintainer=None, each_alone=False):
    """Create at least one resource (with the id the caller chose, or a server-assigned one when it has none)
    in one round trip per table (store.create_resources); each is validated, access-checked and audited as
    its own create, the audit entries of all of them in one statement. Returns the stored resources in order.

    All or nothing: a FhirError whose `.item` is the position of the first resource at fault. `each_alone`
    (batch Bundles): a resource at fault is left out and its FhirError (audited as failed) takes its place."""
    results, checked, calls = [], [], []
    with auth.relationships_remembered():  # every check comes before the first write
        for position, resource in enumerate(resources):
            try:
                valid, call = _checked_create(actor, resource, maintainer)
            except FhirError as exc:
                exc.item = position
                if not each_alone:
                    raise
                results.append(exc)
                continue
            results.append(None)
            checked.append(valid)
            calls.append(call)
    stored = store.create_resources(checked, resource_ids=[r.get("id") for r in checked], validated=True)
    for call, saved in zip(calls, stored):
        call.entity = f"{saved['resourceType']}/{saved['id']}"
    record_successes(actor, [call.success_entry() for call in calls])
    saved_in_order = iter(stored)
    return [result if result is not None else next(saved_in_order) for result in results]
