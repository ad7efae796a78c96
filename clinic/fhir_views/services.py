"""The FHIR views' public surface: write a view now, queue Slot/Appointment views in the outbox, drain it."""
from clinic.fhir_views.drainer import drain_pending, drain_views
from clinic.fhir_views.outbox import enqueue, on_appointment_views
from clinic.fhir_views.sync import (appointment_resource, enabled, org_id, slot_resource, sync_appointment,
                                    sync_directory, sync_doctor, sync_institution, sync_slots, sync_slots_bulk,
                                    write_views)

__all__ = ["appointment_resource", "drain_pending", "drain_views", "enabled", "enqueue", "on_appointment_views",
           "org_id", "slot_resource", "sync_appointment", "sync_directory", "sync_doctor", "sync_institution",
           "sync_slots", "sync_slots_bulk", "write_views"]
