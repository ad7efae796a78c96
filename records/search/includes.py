"""_include and _revinclude (https://hl7.org/fhir/R4/search.html#include), one level, no :iterate.

Included resources pass the same patient restriction as the matches, so access control is never a
post-filter; resources of types outside the Patient compartment (Practitioner, Organization, ...)
are directory data and are not restricted.
"""
import json
from functools import lru_cache

from sqlalchemy import and_, bindparam, or_, select, tuple_

from core.dbutil import read_connection
from records.compartment import compartment_types
from records.models import ReferenceIndex, Resource
from records.search.criteria import scope_clause
from records.search.definitions import get_param

MAX_INCLUDED = 1000


def _parse(spec, unsupported, name):
    parts = spec.split(":")
    if len(parts) not in (2, 3) or (parts[1] != "*" and get_param(parts[0], parts[1]) is None):
        unsupported.append((name, f"Cannot {name} {spec!r}"))
        return None
    if parts[1] != "*" and get_param(parts[0], parts[1]).type != "reference":
        unsupported.append((name, f"{spec!r} is not a reference parameter"))
        return None
    return parts[0], parts[1], parts[2] if len(parts) == 3 else None


def _restricted(res, scope):
    """The patient restriction for an included resource of any type (scope: see _statement)."""
    if scope is None:
        return None
    types = compartment_types()
    if scope == "empty":
        return res.c.resource_type.not_in(types)
    ids = bindparam("scope", expanding=True)
    return or_(res.c.resource_type.not_in(types),
               and_(res.c.resource_type == "Patient", scope_clause(res, "Patient", ids)),
               and_(res.c.resource_type.in_([t for t in types if t != "Patient"]), scope_clause(res, None, ids)))


def resolve(resource_type, page, control, patient_ids, unsupported):
    """The resources that _include / _revinclude add to `page` (deduplicated, page members excluded)."""
    # Parsed even for an empty page, so an include that is not served is reported (refused when strict) alike.
    asked = [("_include", _parse(spec, unsupported, "_include")) for spec in control.get("_include", [])]
    asked += [("_revinclude", _parse(spec, unsupported, "_revinclude")) for spec in control.get("_revinclude", [])]
    if not page:
        return []
    seen = {(r["resourceType"], r["id"]) for r in page}
    found = []
    for kind, parsed in asked:
        if parsed and (parsed[0] == resource_type if kind == "_include" else parsed[2] in (None, resource_type)):
            found += _fetch(kind, resource_type, [r["id"] for r in page], parsed, patient_ids)
    out = []
    for resource in found:
        key = (resource["resourceType"], resource["id"])
        if key not in seen:
            seen.add(key)
            out.append(resource)
    return out


def _run(stmt):
    with read_connection() as connection:
        return [json.loads(c) for c in connection.scalars(stmt.limit(MAX_INCLUDED))]


def _fetch(kind, resource_type, ids, parsed, patient_ids):
    """Run the cached statement of this include (the page's ids and the patient ids are bound)."""
    scope = None if patient_ids is None else "patients" if patient_ids else "empty"
    values = {"ids": ids, "scope": sorted(patient_ids or ())}
    with read_connection() as connection:  # outside a transaction: no BEGIN and COMMIT round trips
        return [json.loads(c) for c in connection.scalars(_statement(kind, resource_type, *parsed, scope), values)]


@lru_cache(maxsize=256)
def _statement(kind, resource_type, source_type, param, target_type, scope):
    """The include's statement, built once per (kind, types, param, scope): scope is None (unrestricted),
    "empty" (no patient) or "patients" (bound as `scope`); the page's ids are bound as `ids`."""
    if kind == "_include":
        stmt, found = _included(resource_type, param, target_type)
    else:
        stmt, found = _revincluded(resource_type, source_type, param)
    restriction = _restricted(found, scope)
    return (stmt if restriction is None else stmt.where(restriction)).limit(MAX_INCLUDED)


def _included(resource_type, param, target_type):
    """(statement, alias of the found resources): what the page's resources reference."""
    src, ref, target = Resource.__table__.alias(), ReferenceIndex.__table__.alias(), Resource.__table__.alias()
    sources = select(src.c.pk).where(src.c.resource_type == resource_type,
                                     src.c.id.in_(bindparam("ids", expanding=True)))
    refs = select(ref.c.target_type, ref.c.target_id).where(ref.c.resource_pk.in_(sources),
                                                        ref.c.target_id.is_not(None))
    if param != "*":
        refs = refs.where(ref.c.param == param)
    if target_type:
        refs = refs.where(ref.c.target_type == target_type)
    return select(target.c.content).where(tuple_(target.c.resource_type, target.c.id).in_(refs),
                                          target.c.deleted.is_(False)), target


def _revincluded(resource_type, source_type, param):
    """(statement, alias of the found resources): the `source_type` resources that reference the page."""
    src, ref = Resource.__table__.alias(), ReferenceIndex.__table__.alias()
    linking = select(ref.c.resource_pk).where(ref.c.resource_type == source_type,
                                            ref.c.target_type == resource_type,
                                            ref.c.target_id.in_(bindparam("ids", expanding=True)))
    if param != "*":
        linking = linking.where(ref.c.param == param)
    return select(src.c.content).where(src.c.pk.in_(linking), src.c.deleted.is_(False)), src


def referenced_outside_compartments(page):
    """For $everything: resources the page references whose types are outside the Patient compartment."""
    if not page:
        return []
    keys = {(r["resourceType"], r["id"]) for r in page}
    src, ref, target = Resource.__table__.alias(), ReferenceIndex.__table__.alias(), Resource.__table__.alias()
    sources = select(src.c.pk).where(tuple_(src.c.resource_type, src.c.id).in_(sorted(keys)))
    refs = select(ref.c.target_type, ref.c.target_id).where(ref.c.resource_pk.in_(sources),
                                                        ref.c.target_type.not_in(compartment_types()))
    stmt = select(target.c.content).where(tuple_(target.c.resource_type, target.c.id).in_(refs),
                                        target.c.deleted.is_(False))
    return [r for r in _run(stmt) if (r["resourceType"], r["id"]) not in keys]
