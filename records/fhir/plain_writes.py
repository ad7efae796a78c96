"""Which entries of a batch or transaction Bundle are plain creates, written as one group
(records.api.create_many: one round trip per table instead of several per entry).

A plain create is `POST [type]` with a resource of that supported type as its body and no conditional
header left to evaluate (a transaction's If-None-Exist was searched up front: an entry without a match
is a plain create with its planned id). In a transaction, a plain update is `PUT [type]/[id]` of a
resource with that type and id, without If-Match, the only entry of the Bundle naming that resource
(records.api.update_many). Everything else (conditional matches, If-Match, PATCH, DELETE, GET, a URL
that names another type or id) goes through the router one entry at a time, in the spec's order.
"""
from collections import Counter

from records.fhir import capability, router


# A Provenance naming no patient belongs to the compartments of its targets as stored (records.api_audit),
# and a group checks every entry before it writes any: a target created earlier in the Bundle must be there.
NEEDS_STORED_TARGETS = frozenset({"Provenance"})


def _writable_type(entry):
    resource = entry.get("resource")
    resource_type = resource.get("resourceType") if isinstance(resource, dict) else None
    if isinstance(resource_type, str) and resource_type in capability.supported_types() \
            and resource_type not in capability.READ_ONLY and resource_type not in NEEDS_STORED_TARGETS:
        return resource_type
    return None


def _creates_its_type(entry, path):
    return entry["request"]["method"] == "POST" and path == _writable_type(entry)


def _updates_its_resource(entry, path):
    resource_type = _writable_type(entry)
    resource_id = entry["resource"].get("id") if resource_type else None
    return entry["request"]["method"] == "PUT" and not entry["request"].get("ifMatch") \
        and isinstance(resource_id, str) and bool(router.ID.match(resource_id)) \
        and path == f"{resource_type}/{resource_id}"


def transaction_updates(entries, paths):
    """Positions of the transaction's entries to update (or create with their ids) as a group."""
    named = Counter(path for path in paths if "/" in path)  # a resource two entries name is left to the router
    return [index for index, entry in enumerate(entries)
            if named[paths[index]] == 1 and _updates_its_resource(entry, paths[index])]


def transaction_creates(entries, paths, plan):
    """Positions of the transaction's entries to create as a group: planned POSTs that matched nothing."""
    return [index for index, entry in enumerate(entries)
            if index in plan and plan[index][1] is None and _creates_its_type(entry, paths[index])]


def batch_creates(entries, paths):
    """Positions of the batch's entries to create as a group: POSTs without If-None-Exist."""
    return [index for index, entry in enumerate(entries)
            if not entry["request"].get("ifNoneExist") and _creates_its_type(entry, paths[index])]
