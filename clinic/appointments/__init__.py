"""Appointments: booking, the waitlist, the queue and check-in, reminders and no-shows.

Public surface: this module (the tables and the statuses that hold a place); other capabilities call no
appointment operation: what appointments must hear of (new places) they subscribe to at start-up.
"""
from clinic.appointments.models import (APPOINTMENT_STATUSES, CHANNELS, Appointment, PatientBookingDay, QueueCounter,
                                        Reminder, WaitlistEntry)
from clinic.appointments.transitions import ACTIVE

__all__ = ["ACTIVE", "APPOINTMENT_STATUSES", "CHANNELS", "Appointment", "PatientBookingDay", "QueueCounter", "Reminder",
           "WaitlistEntry"]
