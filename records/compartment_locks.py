"""Per-patient compartment locks, so a purge of a patient's record (records.purge) and a write into that record
never interleave: the purge takes the patient's lock exclusively and waits for writers already in; a writer
takes it shared without waiting, and is refused (409) while a purge holds it, so it never deadlocks with the
purge over a resource row. PostgreSQL transaction-level advisory locks; on SQLite the database write lock that
every writer takes already serialises the two."""
from sqlalchemy import text

from core.extensions import db
from core.transaction import begin_write
from records.errors import FhirError

_SHARE = text("SELECT p FROM unnest(CAST(:ids AS text[])) AS p "
              "WHERE NOT pg_try_advisory_xact_lock_shared(hashtextextended('fhir-compartment:' || p, 0))")
_TAKE = text("SELECT pg_advisory_xact_lock(hashtextextended('fhir-compartment:' || CAST(:id AS text), 0))")


def share(patient_ids):
    """Join the compartments of `patient_ids` as a writer; 409 when one of them is being purged."""
    connection = db.session.connection()
    if not patient_ids or connection.dialect.name != "postgresql":
        return
    refused = connection.execute(_SHARE, {"ids": sorted(patient_ids)}).scalars().all()
    if refused:
        raise FhirError(409, "conflict", f"Patient/{refused[0]}'s record is being purged; try again later.")


def take(patient_id):
    """Hold the compartment of `patient_id` alone until this transaction ends (waits for writers already in)."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_TAKE, {"id": patient_id})
    else:
        begin_write()
