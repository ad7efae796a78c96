"""Appointments: booking, the waitlist, the queue and check-in, reminders and no-shows.

Public surface: this module (the tables) and `clinic.appointments.services` (the operations).
"""
from clinic.appointments.models import (APPOINTMENT_STATUSES, CHANNELS, Appointment, PatientBookingDay,
                                        QueueCounter, Reminder, WaitlistEntry)

__all__ = ["APPOINTMENT_STATUSES", "CHANNELS", "Appointment", "PatientBookingDay", "QueueCounter", "Reminder",
           "WaitlistEntry"]
