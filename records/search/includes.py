"""_include and _revinclude (https://hl7.org/fhir/R4/search.html#include), one level, no :iterate.

Included resources pass the same patient restriction as the matches, so access control is never a
post-filter; resources of types outside the Patient compartment (Practitioner, Organization, ...)
are directory data and are not restricted.
"""
import json

from sqlalchemy import and_, or_, select, tuple_

from core.extensions import db
from records.compartment import compartment_types
from records.models import ReferenceIndex, Resource
from records.search.criteria import patient_filter
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


def _restricted(res, patient_ids):
    """The patient restriction for an included resource of any type."""
    if patient_ids is None:
        return None
    types = compartment_types()
    return or_(res.c.resource_type.not_in(types),
               and_(res.c.resource_type == "Patient", patient_filter(res, "Patient", patient_ids)),
               and_(res.c.resource_type.in_([t for t in types if t != "Patient"]),
                    patient_filter(res, None, patient_ids)))


def resolve(resource_type, page, control, patient_ids, unsupported):
    """The resources that _include / _revinclude add to `page` (deduplicated, page members excluded)."""
    if not page:
        return []
    seen = {(r["resourceType"], r["id"]) for r in page}
    found = []
    for spec in control.get("_include", []):
        parsed = _parse(spec, unsupported, "_include")
        if parsed and parsed[0] == resource_type:
            found += _included(resource_type, [r["id"] for r in page], parsed, patient_ids)
    for spec in control.get("_revinclude", []):
        parsed = _parse(spec, unsupported, "_revinclude")
        if parsed:
            found += _revincluded(resource_type, [r["id"] for r in page], parsed, patient_ids)
    out = []
    for resource in found:
        key = (resource["resourceType"], resource["id"])
        if key not in seen:
            seen.add(key)
            out.append(resource)
    return out


def _run(stmt):
    return [json.loads(c) for c in db.session.scalars(stmt.limit(MAX_INCLUDED))]


def _included(resource_type, ids, parsed, patient_ids):
    _, param, target_type = parsed
    src, ref, target = Resource.__table__.alias(), ReferenceIndex.__table__.alias(), Resource.__table__.alias()
    sources = select(src.c.pk).where(src.c.resource_type == resource_type, src.c.id.in_(ids))
    refs = select(ref.c.target_type, ref.c.target_id).where(ref.c.resource_pk.in_(sources), ref.c.target_id.is_not(None))
    if param != "*":
        refs = refs.where(ref.c.param == param)
    if target_type:
        refs = refs.where(ref.c.target_type == target_type)
    stmt = select(target.c.content).where(tuple_(target.c.resource_type, target.c.id).in_(refs),
                                        target.c.deleted.is_(False))
    restriction = _restricted(target, patient_ids)
    return _run(stmt if restriction is None else stmt.where(restriction))


def _revincluded(resource_type, ids, parsed, patient_ids):
    source_type, param, target_type = parsed
    if target_type and target_type != resource_type:
        return []
    src, ref = Resource.__table__.alias(), ReferenceIndex.__table__.alias()
    linking = select(ref.c.resource_pk).where(ref.c.resource_type == source_type, ref.c.target_type == resource_type,
                                            ref.c.target_id.in_(ids))
    if param != "*":
        linking = linking.where(ref.c.param == param)
    stmt = select(src.c.content).where(src.c.pk.in_(linking), src.c.deleted.is_(False))
    restriction = _restricted(src, patient_ids)
    return _run(stmt if restriction is None else stmt.where(restriction))


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
