"""Clinic tables: the source of truth for the directory, schedules, appointments, queue, reminders and
waitlist (their FHIR counterparts are derived from these rows by clinic.fhir_sync)."""
from clinic.models.booking import Appointment, PatientBookingDay, QueueCounter
from clinic.models.directory import Doctor, DoctorInstitution, DoctorSpecialty, FamilyDoctorBinding, Institution
from clinic.models.followup import Notification, Reminder, WaitlistEntry
from clinic.models.outbox import ViewOutbox
from clinic.models.scheduling import ScheduleException, ScheduleTemplate, Slot

__all__ = [
    "Appointment", "Doctor", "DoctorInstitution", "DoctorSpecialty", "FamilyDoctorBinding",
    "Institution", "Notification", "PatientBookingDay", "QueueCounter", "Reminder", "ScheduleException",
    "ScheduleTemplate", "Slot", "ViewOutbox", "WaitlistEntry",
]
