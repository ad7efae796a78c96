"""The directory: institutions, doctors with their specialties and practice sites, family-doctor bindings."""
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db
from core.types import UTCDateTime, new_id

INSTITUTION_KINDS = ("primary", "hospital")


class Institution(db.Model):
    """A primary medical institution or a hospital (FHIR Organization + Location are derived from it)."""

    __tablename__ = "institutions"
    __table_args__ = (CheckConstraint("kind IN ('primary', 'hospital')", name="kind"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # registration code; seeds look up by it
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    district: Mapped[str | None] = mapped_column(String(100), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    phone: Mapped[str | None] = mapped_column(String(32))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Doctor(db.Model):
    """A doctor: the practitioner a doctor account (User.practitioner_id) links to."""

    __tablename__ = "doctors"
    __table_args__ = (CheckConstraint("consult_fee_fen >= 0", name="fee_not_negative"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    practitioner_id: Mapped[str] = mapped_column(String(64), unique=True)  # the FHIR Practitioner id
    name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(100))
    consult_fee_fen: Mapped[int] = mapped_column(Integer, default=0)
    offers_online: Mapped[bool] = mapped_column(Boolean, default=True)
    offers_in_person: Mapped[bool] = mapped_column(Boolean, default=True)
    is_family_doctor: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    specialty_rows: Mapped[list["DoctorSpecialty"]] = relationship(
        cascade="all, delete-orphan", order_by="DoctorSpecialty.specialty")
    institution_rows: Mapped[list["DoctorInstitution"]] = relationship(
        cascade="all, delete-orphan", order_by="DoctorInstitution.institution_id")

    @property
    def specialties(self):
        return [row.specialty for row in self.specialty_rows]

    @property
    def institution_ids(self):
        return [row.institution_id for row in self.institution_rows]


class DoctorSpecialty(db.Model):
    __tablename__ = "doctor_specialties"

    doctor_id: Mapped[str] = mapped_column(ForeignKey("doctors.id", ondelete="CASCADE"), primary_key=True)
    specialty: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class DoctorInstitution(db.Model):
    """A doctor practises at an institution (FHIR PractitionerRole and Schedule are derived from it)."""

    __tablename__ = "doctor_institutions"
    __table_args__ = (UniqueConstraint("doctor_id", "institution_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    doctor_id: Mapped[str] = mapped_column(ForeignKey("doctors.id", ondelete="CASCADE"))
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id", ondelete="CASCADE"), index=True)


class FamilyDoctorBinding(db.Model):
    """A patient has signed with a family doctor (one binding per patient; re-signing replaces it)."""

    __tablename__ = "family_doctor_bindings"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(String(64), unique=True)
    doctor_id: Mapped[str] = mapped_column(ForeignKey("doctors.id", ondelete="CASCADE"), index=True)
    team: Mapped[str | None] = mapped_column(String(100))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
