"""Which entries of a batch or transaction Bundle are plain creates, written as one group
(records.api.create_many: one round trip per table instead of several per entry).

A plain create is `POST [type]` with a resource of that supported type as its body and no conditional
header left to evaluate (a transaction's If-None-Exist was searched up front: an entry without a match
is a plain create with its planned id). Everything else (conditional matches, PUT, PATCH, DELETE,
GET, a URL that names another type) goes through the router one entry at a time, in the spec's order.
"""
from records.fhir import capability


def _creates_its_type(entry, path):
    resource = entry.get("resource")
    resource_type = resource.get("resourceType") if isinstance(resource, dict) else None
    return entry["request"]["method"] == "POST" and isinstance(resource_type, str) and path == resource_type \
        and resource_type in capability.supported_types() and resource_type not in capability.READ_ONLY


def transaction_creates(entries, paths, plan):
    """Positions of the transaction's entries to create as a group: planned POSTs that matched nothing."""
    return [index for index, entry in enumerate(entries)
            if index in plan and plan[index][1] is None and _creates_its_type(entry, paths[index])]


def batch_creates(entries, paths):
    """Positions of the batch's entries to create as a group: POSTs without If-None-Exist."""
    return [index for index, entry in enumerate(entries)
            if not entry["request"].get("ifNoneExist") and _creates_its_type(entry, paths[index])]
