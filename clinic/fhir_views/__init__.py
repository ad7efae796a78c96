"""The clinic's FHIR views: Organization, Location, Practitioner(Role), Schedule, Slot and Appointment
derived from the clinic tables, read-only over /fhir; Slot and Appointment through a transactional outbox.

Public surface: this module (the outbox table) and `clinic.fhir_views.services`.
"""
from clinic.fhir_views.models import ViewOutbox

__all__ = ["ViewOutbox"]
