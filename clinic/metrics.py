"""The clinic's metrics (core.metrics): appointments booked and open Socket.IO connections."""
from core import metrics

BOOKINGS = metrics.counter("cloud_hospital_bookings", "Appointments booked (committed), by slot kind and channel",
                           ["kind", "channel"])
SOCKETIO_CONNECTIONS = metrics.live_gauge("cloud_hospital_socketio_connections",
                                          "Open authenticated Socket.IO connections on /consult")
