"""The clinic's API blueprints, one per resource."""
from clinic.views import appointments, directory, notifications, reports, schedules, slots, waitlist

BLUEPRINTS = [directory.bp, slots.bp, schedules.bp, appointments.bp, waitlist.bp, notifications.bp, reports.bp]
