"""The appointments' metrics (core.metrics): appointments booked."""
from core import metrics

BOOKINGS = metrics.counter("cloud_hospital_bookings", "Appointments booked (committed), by slot kind and channel",
                           ["kind", "channel"])
