"""Read and vread: the current version of a stored resource, or one of its past versions.

Below the store and the search engine, which both read (Patient/$everything checks its Patient first):
the store re-exports these as its public API.
"""
import json
import re

from sqlalchemy import bindparam, select

from core.dbutil import fetch_first
from core.extensions import db
from records.errors import FhirError
from records.models import Resource, ResourceVersion
from records.validation import model_class

VERSION_PATTERN = re.compile(r"^[0-9]{1,10}$")
MAX_VERSION = 2**31 - 1  # version_id is a 32-bit integer column

# The FHIR read's statement, built once: two columns, not the ORM entity, skip the statement construction, the
# ORM execution path and the identity map (~0.2 ms of CPU a read); core.dbutil.fetch_first runs it.
_READ = select(Resource.__table__.c.deleted, Resource.__table__.c.content).where(
    Resource.__table__.c.resource_type == bindparam("type"), Resource.__table__.c.id == bindparam("id"))


def read_resource(resource_type, resource_id):
    """The current version; FhirError 404 not-found, or 410 deleted."""
    model_class(resource_type)
    row = fetch_first(_READ, {"type": resource_type, "id": resource_id})  # outside a transaction: one round trip
    if row is None:
        raise FhirError(404, "not-found", f"{resource_type}/{resource_id} is not known")
    deleted, content = row
    if deleted:
        raise FhirError(410, "deleted", f"{resource_type}/{resource_id} has been deleted")
    return json.loads(content)


def read_version(resource_type, resource_id, version_id):
    """One version (vread); 404 when unknown, 410 when that version is a deletion."""
    model_class(resource_type)
    digits = str(version_id).strip('W/"')
    # Version ids are ASCII digits within the column's range; anything else names no version.
    number = int(digits) if VERSION_PATTERN.match(digits) and int(digits) <= MAX_VERSION else None
    row = number is not None and db.session.scalars(select(ResourceVersion).where(
        ResourceVersion.resource_type == resource_type, ResourceVersion.id == resource_id,
        ResourceVersion.version_id == number)).first()
    if not row:
        raise FhirError(404, "not-found", f"{resource_type}/{resource_id}/_history/{version_id} is not known")
    if row.content is None:
        raise FhirError(410, "deleted", f"{resource_type}/{resource_id} version {version_id} is a deletion")
    return json.loads(row.content)
