"""Pharmacy tables: pharmacies with hours and stock, signing keys, prescriptions, orders, offers, dispenses.

These tables are the source of truth for prescriptions, routing and fulfilment state; the FHIR
MedicationRequest / Provenance / MedicationDispense resources in records are derived from them
(pharmacy.fhir_sync) and never read back to decide anything.
"""
from datetime import date, datetime

from sqlalchemy import (Boolean, CheckConstraint, Date, Float, ForeignKey, Index, Integer, LargeBinary, String,
                        Text, UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column

from core import clock
from core.extensions import db
from core.types import UTCDateTime, new_id


class Pharmacy(db.Model):
    """A cooperating pharmacy (routable) or the platform pharmacy whose pharmacists review (reviews)."""

    __tablename__ = "pharmacies"
    __table_args__ = (
        # The bounding-box prefilter: a range on lat, then lon, read from the index.
        Index("ix_pharmacies_lat_lon", "lat", "lon"),
        CheckConstraint("lat BETWEEN -90 AND 90", name="lat_range"),
        CheckConstraint("lon BETWEEN -180 AND 180", name="lon_range"),
        CheckConstraint("capacity >= 0", name="capacity_non_negative"),
        CheckConstraint("open_orders >= 0", name="open_orders_non_negative"),
        CheckConstraint("delivery_radius_km >= 0", name="delivery_radius_non_negative"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    district: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    pickup: Mapped[bool] = mapped_column(Boolean, default=True)
    delivery: Mapped[bool] = mapped_column(Boolean, default=False)
    delivery_radius_km: Mapped[float] = mapped_column(Float, default=0.0)
    capacity: Mapped[int] = mapped_column(Integer, default=20)
    # Orders accepted and not yet dispensed or cancelled; changed only by conditional updates.
    open_orders: Mapped[int] = mapped_column(Integer, default=0)
    routable: Mapped[bool] = mapped_column(Boolean, default=True)  # receives patients' orders
    reviews: Mapped[bool] = mapped_column(Boolean, default=False)  # its pharmacists review prescriptions
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class PharmacyHours(db.Model):
    """One weekly opening interval in the pharmacy's time zone (minutes after local midnight)."""

    __tablename__ = "pharmacy_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("open_minute >= 0 AND close_minute <= 1440 AND open_minute < close_minute",
                        name="interval"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pharmacy_id: Mapped[str] = mapped_column(ForeignKey("pharmacies.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    open_minute: Mapped[int] = mapped_column(Integer)
    close_minute: Mapped[int] = mapped_column(Integer)


class PharmacyException(db.Model):
    """A local date with special hours (one row per interval) or closed all day (null minutes)."""

    __tablename__ = "pharmacy_exceptions"
    __table_args__ = (
        CheckConstraint("(open_minute IS NULL AND close_minute IS NULL) OR "
                        "(open_minute >= 0 AND close_minute <= 1440 AND open_minute < close_minute)",
                        name="interval"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pharmacy_id: Mapped[str] = mapped_column(ForeignKey("pharmacies.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    open_minute: Mapped[int | None] = mapped_column(Integer)
    close_minute: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(200))


class Stock(db.Model):
    """Quantity on hand and reserved (for accepted orders) of one medication at one pharmacy."""

    __tablename__ = "pharmacy_stock"
    __table_args__ = (
        UniqueConstraint("pharmacy_id", "system", "code"),
        CheckConstraint("on_hand >= 0", name="on_hand_non_negative"),
        CheckConstraint("reserved >= 0", name="reserved_non_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pharmacy_id: Mapped[str] = mapped_column(ForeignKey("pharmacies.id", ondelete="CASCADE"))
    system: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    form: Mapped[str | None] = mapped_column(String(100))
    strength: Mapped[str | None] = mapped_column(String(100))
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)


class SigningKey(db.Model):
    """A doctor's Ed25519 key pair; the private key only encrypted (AES-GCM, key from SECRET_KEY via HKDF)."""

    __tablename__ = "prescription_signing_keys"
    __table_args__ = (
        # At most one active key per doctor, also when two first prescriptions race.
        Index("uq_prescription_signing_keys_active", "practitioner_id", unique=True,
              sqlite_where=text("retired_at IS NULL"), postgresql_where=text("retired_at IS NULL")),
    )

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    practitioner_id: Mapped[str] = mapped_column(String(64))
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # raw 32 bytes
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)  # nonce || AES-GCM ciphertext
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Prescription(db.Model):
    """A signed e-prescription; status: pending_review -> approved | rejected, or replaced (by a later one of
    the same consultation, before any order took it)."""

    __tablename__ = "prescriptions"
    __table_args__ = (Index("ix_prescriptions_status_issued", "status", "issued_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    consultation_id: Mapped[str] = mapped_column(String(64), index=True)
    encounter_ref: Mapped[str | None] = mapped_column(String(100))
    patient_id: Mapped[str] = mapped_column(String(64), index=True)
    practitioner_id: Mapped[str] = mapped_column(String(64), index=True)
    prescriber_user_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    key_id: Mapped[str] = mapped_column(ForeignKey("prescription_signing_keys.key_id"))
    signature: Mapped[str] = mapped_column(String(100))  # base64 Ed25519 signature of the canonical form
    check_result: Mapped[str | None] = mapped_column(Text)  # the prescribe hook's decision (JSON)
    reviewed_by: Mapped[str | None] = mapped_column(String(32))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_reason: Mapped[str | None] = mapped_column(Text)
    provenance_id: Mapped[str | None] = mapped_column(String(64))  # FHIR Provenance (fhir_sync)
    replaces_id: Mapped[str | None] = mapped_column(String(32))  # the prescription this one replaced


class PrescriptionItem(db.Model):
    """One medication line of a prescription (one FHIR MedicationRequest)."""

    __tablename__ = "prescription_items"
    __table_args__ = (
        UniqueConstraint("prescription_id", "position"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("days_supply > 0", name="days_supply_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prescription_id: Mapped[str] = mapped_column(ForeignKey("prescriptions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    system: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(32))
    display: Mapped[str] = mapped_column(String(200))
    dose: Mapped[str] = mapped_column(String(100))
    frequency: Mapped[str] = mapped_column(String(100))
    route: Mapped[str] = mapped_column(String(50))
    quantity: Mapped[int] = mapped_column(Integer)
    days_supply: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    medication_request_id: Mapped[str | None] = mapped_column(String(64))  # FHIR (fhir_sync)


class Order(db.Model):
    """A patient's request to have a prescription filled (pickup or delivery), routed pharmacy by pharmacy."""

    __tablename__ = "pharmacy_orders"
    __table_args__ = (
        # One live order per prescription: a prescription is filled once (cancelled orders do not count).
        Index("uq_pharmacy_orders_live_prescription", "prescription_id", unique=True,
              sqlite_where=text("status <> 'cancelled'"), postgresql_where=text("status <> 'cancelled'")),
        Index("ix_pharmacy_orders_status_deadline", "status", "offer_deadline"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    prescription_id: Mapped[str] = mapped_column(ForeignKey("prescriptions.id"))
    patient_id: Mapped[str] = mapped_column(String(64), index=True)
    mode: Mapped[str] = mapped_column(String(10))  # pickup | delivery
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20))
    pharmacy_id: Mapped[str | None] = mapped_column(ForeignKey("pharmacies.id"), index=True)
    offer_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    round: Mapped[int] = mapped_column(Integer, default=1)  # a retry starts a new round of offers
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Offer(db.Model):
    """One pharmacy asked to take one order, with a deadline: offered -> accepted | declined | expired | withdrawn."""

    __tablename__ = "pharmacy_offers"
    __table_args__ = (
        # A pharmacy is never offered the same order twice in a round.
        UniqueConstraint("order_id", "round", "pharmacy_id"),
        Index("ix_pharmacy_offers_pharmacy_status", "pharmacy_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("pharmacy_orders.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer)
    pharmacy_id: Mapped[str] = mapped_column(ForeignKey("pharmacies.id"))
    status: Mapped[str] = mapped_column(String(12))
    score: Mapped[float] = mapped_column(Float)
    distance_km: Mapped[float] = mapped_column(Float)
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)


class Dispense(db.Model):
    """The drugs of an order left the pharmacy: written exactly once per order (unique order_id)."""

    __tablename__ = "pharmacy_dispenses"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    order_id: Mapped[str] = mapped_column(ForeignKey("pharmacy_orders.id"), unique=True)
    pharmacy_id: Mapped[str] = mapped_column(ForeignKey("pharmacies.id"))
    dispensed_by: Mapped[str | None] = mapped_column(String(32))
    dispensed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    medication_dispense_ids: Mapped[str | None] = mapped_column(Text)  # FHIR ids, JSON list (fhir_sync)


class ReviewFacts(db.Model):
    """What the record said about the patient when the prescription went to review (a snapshot, JSON):
    the pharmacist judges what was gathered then, not what the record says later."""

    __tablename__ = "prescription_review_facts"

    prescription_id: Mapped[str] = mapped_column(ForeignKey("prescriptions.id", ondelete="CASCADE"), primary_key=True)
    gathered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    facts: Mapped[str] = mapped_column(Text)


class ReviewFlag(db.Model):
    """One pre-review flag (pharmacy.review_flags) and the pharmacist's decision on it, made once."""

    __tablename__ = "prescription_review_flags"
    __table_args__ = (
        UniqueConstraint("prescription_id", "number"),
        UniqueConstraint("prescription_id", "key"),
        CheckConstraint("decision IS NULL OR decision IN ('upheld', 'overridden')", name="decision_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prescription_id: Mapped[str] = mapped_column(ForeignKey("prescriptions.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within the prescription (the API's flag id)
    key: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))
    item_position: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    citation: Mapped[str | None] = mapped_column(Text)  # JSON {source, url}
    decision: Mapped[str | None] = mapped_column(String(12))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
