"""Batch and transaction Bundles (http://hl7.org/fhir/R4/http.html#transaction).

Each entry goes through the same router as an HTTP request. A transaction runs inside one
savepoint: the first failing entry rolls back every entry and the whole request fails. A batch runs
each entry in its own savepoint and reports a per-entry outcome. Processing order follows
http://hl7.org/fhir/R4/http.html#trules: DELETE, POST, PUT/PATCH, GET/HEAD; responses keep the
request order. urn:uuid fullUrls of created entries are resolved to the new ids everywhere.
Plain creates (records.fhir.plain_writes) are written as one group, in the place of the first of them:
validated, access-checked and audited one by one, stored with one statement per table.
"""
import functools
import uuid
from dataclasses import dataclass
from typing import Callable
from urllib.parse import parse_qsl, urlsplit

from core.audit import record_access
from core.extensions import db
from records.errors import FhirError
from records.fhir import plain_writes, router
from records.fhir.outcome import fhir_error, from_error

# Entries per batch or transaction Bundle: a client's 5,000-search batch took 21 s and answered 42 MB.
MAX_ENTRIES = 1000
ORDER = {"DELETE": 0, "POST": 1, "PUT": 2, "PATCH": 2, "GET": 3, "HEAD": 3}
STATUS_TEXT = {200: "200 OK", 201: "201 Created", 204: "204 No Content"}


@dataclass
class Operations:
    """The records API bound to one actor (records.api._operations builds it)."""

    read: Callable
    read_version: Callable
    create: Callable
    create_many: Callable
    update_many: Callable
    conditional_create: Callable
    update: Callable
    delete: Callable
    search: Callable
    history: Callable
    everything: Callable
    actor: object = None

    @classmethod
    def bind(cls, api, actor, maintainer=None):
        """The functions of the records API module `api`, with `actor` filled in; `maintainer` (a domain
        writing its own derived views, records.derived) goes to the writes, when given."""
        writes = ("create", "create_many", "conditional_create", "update", "update_many", "delete")
        names = ("read", "read_version", *writes, "search", "history", "everything")
        bound = {name: functools.partial(getattr(api, name), actor) for name in names}
        if maintainer is not None:
            for name in writes:
                bound[name] = functools.partial(getattr(api, name), actor, maintainer=maintainer)
        return cls(**bound, actor=actor)


def _check_bundle(bundle, kind):
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle" or bundle.get("type") != kind:
        raise fhir_error(400, "invalid", f"Expected a Bundle of type {kind}.", ["Bundle.type"])
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise fhir_error(400, "structure", "Bundle.entry must be an array.", ["Bundle.entry"])
    if len(entries) > MAX_ENTRIES:
        raise fhir_error(413, "too-costly", f"A {kind} Bundle may hold at most {MAX_ENTRIES} entries; this one holds "
                                            f"{len(entries)}. Send it in several Bundles.", ["Bundle.entry"])
    for index, entry in enumerate(entries):
        _check_entry(entry, f"Bundle.entry[{index}]")
    return entries


def _check_entry(entry, where):
    """The shape the processing below relies on; anything else is the client's 400, not our 500."""
    request = entry.get("request") if isinstance(entry, dict) else None
    method = request.get("method") if isinstance(request, dict) else None
    if not isinstance(method, str) or method not in ORDER or not isinstance(request.get("url"), str) \
            or not request["url"]:
        raise fhir_error(400, "required", f"{where} needs request.method and request.url.", [f"{where}.request"])
    for name in ("ifMatch", "ifNoneExist", "ifNoneMatch", "ifModifiedSince"):
        if not isinstance(request.get(name, ""), str):
            raise fhir_error(400, "structure", f"{where}.request.{name} must be a string.", [f"{where}.request.{name}"])
    if not isinstance(entry.get("fullUrl", ""), str):
        raise fhir_error(400, "structure", f"{where}.fullUrl must be a string.", [f"{where}.fullUrl"])
    if entry.get("resource") is not None and not isinstance(entry["resource"], dict):
        raise fhir_error(400, "structure", f"{where}.resource must be a resource (a JSON object).",
                         [f"{where}.resource"])


def _relative(url, base_url):
    """Split an entry URL (relative, or absolute on this server) into (path, query)."""
    if base_url and url.startswith(base_url):
        url = url[len(base_url):]
    elif "://" in url:
        url = urlsplit(url).path
    path, _, query = url.lstrip("/").partition("?")
    return path, parse_qsl(query, keep_blank_values=True)


def _paths(entries, base_url):
    return [_relative(entry["request"]["url"], base_url)[0].strip("/") for entry in entries]


def _request_for(entry, base_url):
    request = entry["request"]
    path, query = _relative(request["url"], base_url)
    return router.Request(method=request["method"], path=path, query=query, body=entry.get("resource"),
                          if_match=request.get("ifMatch"), if_none_exist=request.get("ifNoneExist"),
                          base_url=base_url)


def _response_entry(reply, base_url):
    response = {"status": STATUS_TEXT.get(reply.status, str(reply.status))}
    entry = {"response": response}
    resource = reply.resource
    if reply.location:
        response["location"] = f"{base_url}/{reply.location}" if base_url else reply.location
    if resource and resource.get("meta", {}).get("versionId") and resource.get("resourceType") != "Bundle":
        response["etag"] = f'W/"{resource["meta"]["versionId"]}"'
        response["lastModified"] = resource["meta"].get("lastUpdated")
        entry["fullUrl"] = f"{base_url}/{resource['resourceType']}/{resource['id']}"
    if resource is not None:
        entry["resource"] = resource
    return entry


def _error_entry(error):
    return {"response": {"status": str(error.status), "outcome": from_error(error)}}


def _at_entry(exc, index):
    """`exc` naming the Bundle entry at fault."""
    return FhirError(exc.status, exc.code, f"Bundle.entry[{index}]: {exc.diagnostics}",
                     exc.expression or [f"Bundle.entry[{index}]"])


def _created_entry(saved, base_url):
    return _response_entry(router.Reply(201, saved, router.location_of(saved)), base_url)


def _replace_refs(value, mapping):
    """A copy of `value` with every reference (and urn:uuid string) found in `mapping` rewritten, however
    deeply nested; every dict and list is new, so the copy can be changed without touching the request."""
    if isinstance(value, dict):
        return {k: _replace_refs(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_refs(v, mapping) for v in value]
    if isinstance(value, str) and value in mapping:
        return mapping[value]
    return value


def _assign_ids(entries, ops):
    """Map each POST entry's fullUrl to "Type/new-id" (or the existing match of If-None-Exist)."""
    mapping, plan = {}, {}
    for index, entry in enumerate(entries):
        full_url, request, resource = entry.get("fullUrl"), entry["request"], entry.get("resource") or {}
        if request["method"] != "POST" or not isinstance(resource.get("resourceType"), str):
            continue  # a body that is no resource fails in the router with the entry's index
        rtype = resource["resourceType"]
        try:  # the planned write below skips the router, which checks this
            router.check_supported(rtype)
        except FhirError as exc:
            raise _at_entry(exc, index) from None
        existing = None
        if request.get("ifNoneExist"):
            query = parse_qsl(request["ifNoneExist"].split("?")[-1])
            criteria = router.conditional_criteria(query, f"Bundle.entry[{index}].request.ifNoneExist")
            matches = ops.search(rtype, criteria, strict=True).resources
            if len(matches) > 1:
                raise fhir_error(412, "duplicate", f"Bundle.entry[{index}]: If-None-Exist matches several resources.",
                                 [f"Bundle.entry[{index}].request.ifNoneExist"])
            existing = matches[0] if matches else None
        new_id = existing["id"] if existing else uuid.uuid4().hex
        plan[index] = (new_id, existing)
        if full_url:
            mapping[full_url] = f"{rtype}/{new_id}"
    return mapping, plan


def _perform_planned(ops, entry, planned, base_url):
    """A POST whose id was fixed up front: update-as-create with that id, or the existing match."""
    new_id, existing = planned
    if existing is not None:
        return router.Reply(200, existing, router.location_of(existing))
    named = _relative(entry["request"]["url"], base_url)[0].strip("/")
    if named != entry["resource"]["resourceType"]:
        raise fhir_error(400, "invalid", f"The body is a {entry['resource']['resourceType']}, the URL names {named}.",
                         ["resourceType"])
    resource = {**entry["resource"], "id": new_id}
    saved, _ = ops.update(resource["resourceType"], new_id, resource)
    return router.Reply(201, saved, router.location_of(saved))


def _in_group(write, group):
    """Run a group write; a FhirError about one of its resources names that resource's entry."""
    try:
        return write()
    except FhirError as exc:
        if getattr(exc, "item", None) is None:
            raise
        raise _at_entry(exc, group[exc.item]) from None


def _create_transaction_group(ops, entries, group, plan, base_url):
    """Create the group's entries with their planned ids; {index: response entry}; all or none."""
    saved = _in_group(lambda: ops.create_many([{**entries[i]["resource"], "id": plan[i][0]} for i in group]), group)
    return {index: _created_entry(resource, base_url) for index, resource in zip(group, saved)}


def _update_transaction_group(ops, entries, group, base_url):
    """PUT the group's entries (update, or create with the client's id); {index: response entry}; all or none."""
    saved = _in_group(lambda: ops.update_many([entries[i]["resource"] for i in group]), group)
    return {index: _response_entry(router.Reply(201 if created else 200, resource, router.location_of(resource)),
                                   base_url) for index, (resource, created) in zip(group, saved)}


def process_transaction(bundle, ops, *, base_url=""):
    """All entries or none; FhirError (with the entry index) when any entry fails."""
    entries = _check_bundle(bundle, "transaction")  # not copied: _replace_refs below builds new entries
    savepoint = db.session.begin_nested()
    try:
        mapping, plan = _assign_ids(entries, ops)
        entries = [_replace_refs(e, mapping) for e in entries]
        paths = _paths(entries, base_url)
        creates = plain_writes.transaction_creates(entries, paths, plan)
        updates = plain_writes.transaction_updates(entries, paths)
        grouped, results = set(creates) | set(updates), {}
        for index in sorted(range(len(entries)), key=lambda i: ORDER[entries[i]["request"]["method"]]):
            if index in results:
                continue  # written with its group
            if index in grouped:  # a group's error names its own entry
                results.update(_create_transaction_group(ops, entries, creates, plan, base_url) if index in plan
                               else _update_transaction_group(ops, entries, updates, base_url))
                continue
            entry = entries[index]
            try:
                if index in plan:
                    reply = _perform_planned(ops, entry, plan[index], base_url)
                else:
                    reply = router.route(ops, _request_for(entry, base_url))
            except FhirError as exc:
                raise _at_entry(exc, index) from None
            results[index] = _response_entry(reply, base_url)
    except Exception:
        savepoint.rollback()
        raise
    savepoint.commit()
    return {"resourceType": "Bundle", "type": "transaction-response",
            "entry": [results[i] for i in range(len(entries))]}


def _batch_failure(ops, entry, exc):
    # The entry's own audit row went with the savepoint; keep the attempt on record.
    record_access(ops.actor, "batch", entry["request"]["url"][:200],
                  outcome="denied" if exc.status == 403 else "failed", detail=f"{exc.status} {exc.diagnostics}")
    return _error_entry(exc)


def _batch_entry(ops, entry, base_url):
    """One entry through the router in its own savepoint: its response entry or its OperationOutcome."""
    savepoint = db.session.begin_nested()
    try:
        reply = router.route(ops, _request_for(entry, base_url))
    except FhirError as exc:
        savepoint.rollback()
        return _batch_failure(ops, entry, exc)
    savepoint.commit()
    return _response_entry(reply, base_url)


def _create_batch_group(ops, entries, group, base_url):
    """Create the group's entries together, leaving out (and answering) those at fault; {index: entry}.
    Should the group write itself fail, each entry is tried again on its own."""
    savepoint = db.session.begin_nested()
    try:
        # A POST's id is the server's choice (http://hl7.org/fhir/R4/http.html#create): a client id is ignored.
        outcomes = ops.create_many([{k: v for k, v in entries[i]["resource"].items() if k != "id"} for i in group],
                                   each_alone=True)
    except FhirError:
        savepoint.rollback()
        return {index: _batch_entry(ops, entries[index], base_url) for index in group}
    savepoint.commit()
    return {index: _batch_failure(ops, entries[index], outcome) if isinstance(outcome, FhirError)
            else _created_entry(outcome, base_url) for index, outcome in zip(group, outcomes)}


def process_batch(bundle, ops, *, base_url=""):
    """Every entry on its own; a failing entry gets its OperationOutcome and the others go on."""
    entries = _check_bundle(bundle, "batch")
    group = plain_writes.batch_creates(entries, _paths(entries, base_url))
    grouped, results = set(group), {}
    for index in sorted(range(len(entries)), key=lambda i: ORDER[entries[i]["request"]["method"]]):
        if index in results:
            continue  # written with its group
        if index in grouped:
            results.update(_create_batch_group(ops, entries, group, base_url))
        else:
            results[index] = _batch_entry(ops, entries[index], base_url)
    return {"resourceType": "Bundle", "type": "batch-response", "entry": [results[i] for i in range(len(entries))]}
