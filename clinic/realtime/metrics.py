"""Socket.IO metrics (core.metrics): open connections."""
from core import metrics

SOCKETIO_CONNECTIONS = metrics.live_gauge("cloud_hospital_socketio_connections",
                                          "Open authenticated Socket.IO connections on /consult")
