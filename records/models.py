"""Tables of the FHIR store: current resources, every version, and the search-index rows.

Spec: https://hl7.org/fhir/R4/http.html (versions, history) and https://hl7.org/fhir/R4/search.html.
Index rows carry (resource_type, param, value..., resource_pk) so that each typical search is a
range scan of one composite index; `resource_pk` indexes serve EXISTS probes and re-indexing.
"""
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.types import UTCDateTime

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
PK = BigInteger().with_variant(Integer(), "sqlite")
# Normalised strings compare in code-point order on every backend, so prefix search is a range scan.
NORM = String(255).with_variant(String(255, collation="C"), "postgresql")


def _fk():
    return mapped_column(PK, ForeignKey("fhir_resources.pk", ondelete="CASCADE"))


def _owner():
    # Index rows carry no foreign key: the per-row RI check would cost ~15% of ingest, and the store
    # is the only writer (it replaces a resource's rows on every update and delete).
    return mapped_column(PK)


class Resource(db.Model):
    """The current version of each resource (deleted ones keep their row with deleted=True)."""

    __tablename__ = "fhir_resources"
    __table_args__ = (
        UniqueConstraint("resource_type", "id"),
        Index("ix_fhir_resources_type_updated", "resource_type", "last_updated", "pk"),
        Index("ix_fhir_resources_type_pk", "resource_type", "pk"),
    )

    pk: Mapped[int] = mapped_column(PK, primary_key=True, autoincrement=True)
    resource_type: Mapped[str] = mapped_column(String(64))
    id: Mapped[str] = mapped_column(String(64))
    version_id: Mapped[int] = mapped_column(Integer)
    last_updated: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    content: Mapped[str | None] = mapped_column(Text)


class ResourceVersion(db.Model):
    """Every version, the current one and deletions included: serves vread and _history."""

    __tablename__ = "fhir_resource_versions"
    __table_args__ = (
        UniqueConstraint("resource_type", "id", "version_id"),
        Index("ix_fhir_resource_versions_updated", "last_updated", "pk"),
        Index("ix_fhir_resource_versions_type_updated", "resource_type", "last_updated", "pk"),
    )

    pk: Mapped[int] = mapped_column(PK, primary_key=True, autoincrement=True)
    resource_pk: Mapped[int] = _fk()
    resource_type: Mapped[str] = mapped_column(String(64))
    id: Mapped[str] = mapped_column(String(64))
    version_id: Mapped[int] = mapped_column(Integer)
    last_updated: Mapped[datetime] = mapped_column(UTCDateTime)
    method: Mapped[str] = mapped_column(String(8))  # POST | PUT | DELETE
    content: Mapped[str | None] = mapped_column(Text)  # None for a deletion


class StringIndex(db.Model):
    """string params: `value` normalised (lowercase, no accents), `exact` as written (for :exact)."""

    __tablename__ = "fhir_idx_string"
    __table_args__ = (
        Index("ix_fhir_idx_string_lookup", "resource_type", "param", "value", "resource_pk"),
        Index("ix_fhir_idx_string_resource", "resource_pk", "param"),
    )

    # No surrogate key: one less btree to maintain per row; rows are only ever reached by the indexes.
    __mapper_args__ = {"primary_key": ["resource_pk", "param"]}

    resource_pk: Mapped[int] = _owner()
    resource_type: Mapped[str] = mapped_column(String(64))
    param: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(NORM)
    exact: Mapped[str] = mapped_column(String(255))


class TokenIndex(db.Model):
    """token and uri params: (system, code), plus the normalised display text for :text."""

    __tablename__ = "fhir_idx_token"
    __table_args__ = (
        Index("ix_fhir_idx_token_lookup", "resource_type", "param", "code", "resource_pk",
              postgresql_include=["system"]),
        Index("ix_fhir_idx_token_resource", "resource_pk", "param"),
    )

    # No surrogate key: one less btree to maintain per row; rows are only ever reached by the indexes.
    __mapper_args__ = {"primary_key": ["resource_pk", "param"]}

    resource_pk: Mapped[int] = _owner()
    resource_type: Mapped[str] = mapped_column(String(64))
    param: Mapped[str] = mapped_column(String(64))
    system: Mapped[str | None] = mapped_column(String(255))
    code: Mapped[str | None] = mapped_column(String(255))
    text: Mapped[str | None] = mapped_column(NORM)


class ReferenceIndex(db.Model):
    """reference params: the target (type, id) when resolvable, and the raw reference."""

    __tablename__ = "fhir_idx_reference"
    __table_args__ = (
        Index("ix_fhir_idx_reference_lookup", "resource_type", "param", "target_id", "resource_pk",
              postgresql_include=["target_type"]),
        Index("ix_fhir_idx_reference_resource", "resource_pk", "param"),
    )

    # No surrogate key: one less btree to maintain per row; rows are only ever reached by the indexes.
    __mapper_args__ = {"primary_key": ["resource_pk", "param"]}

    resource_pk: Mapped[int] = _owner()
    resource_type: Mapped[str] = mapped_column(String(64))
    param: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[str | None] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(255))


class DateIndex(db.Model):
    """date params: each value as a [low, high) UTC range per its precision."""

    __tablename__ = "fhir_idx_date"
    __table_args__ = (
        Index("ix_fhir_idx_date_lookup", "resource_type", "param", "low", "resource_pk", postgresql_include=["high"]),
        Index("ix_fhir_idx_date_resource", "resource_pk", "param"),
    )

    # No surrogate key: one less btree to maintain per row; rows are only ever reached by the indexes.
    __mapper_args__ = {"primary_key": ["resource_pk", "param"]}

    resource_pk: Mapped[int] = _owner()
    resource_type: Mapped[str] = mapped_column(String(64))
    param: Mapped[str] = mapped_column(String(64))
    low: Mapped[datetime] = mapped_column(UTCDateTime)
    high: Mapped[datetime] = mapped_column(UTCDateTime)


class QuantityIndex(db.Model):
    """quantity and number params: [low, high] (equal for a point value), unit system and code."""

    __tablename__ = "fhir_idx_quantity"
    __table_args__ = (
        Index("ix_fhir_idx_quantity_lookup", "resource_type", "param", "low", "resource_pk",
              postgresql_include=["high"]),
        Index("ix_fhir_idx_quantity_resource", "resource_pk", "param"),
    )

    # No surrogate key: one less btree to maintain per row; rows are only ever reached by the indexes.
    __mapper_args__ = {"primary_key": ["resource_pk", "param"]}

    resource_pk: Mapped[int] = _owner()
    resource_type: Mapped[str] = mapped_column(String(64))
    param: Mapped[str] = mapped_column(String(64))
    low: Mapped[float] = mapped_column(Float)
    high: Mapped[float] = mapped_column(Float)
    system: Mapped[str | None] = mapped_column(String(255))
    code: Mapped[str | None] = mapped_column(String(64))


class CompartmentMember(db.Model):
    """Patient compartment membership (https://hl7.org/fhir/R4/compartmentdefinition-patient.html)."""

    __tablename__ = "fhir_compartment"
    __table_args__ = (Index("ix_fhir_compartment_resource", "resource_pk"),)

    # (patient_id, resource_pk) is the key and the index that $everything and access control scan.
    patient_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    resource_pk: Mapped[int] = mapped_column(PK, ForeignKey("fhir_resources.pk", ondelete="CASCADE"),
                                             primary_key=True, autoincrement=False)


class CompartmentDeparture(db.Model):
    """A patient whose compartment a resource left when it was deleted: its old versions still hold that patient's
    data, so a purge of the patient (records.purge) must find it though its compartment row is gone."""

    __tablename__ = "fhir_compartment_departed"

    patient_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    resource_pk: Mapped[int] = mapped_column(PK, ForeignKey("fhir_resources.pk", ondelete="CASCADE"),
                                             primary_key=True, autoincrement=False)


INDEX_MODELS = {"string": StringIndex, "token": TokenIndex, "uri": TokenIndex, "reference": ReferenceIndex,
                "date": DateIndex, "quantity": QuantityIndex, "number": QuantityIndex}
