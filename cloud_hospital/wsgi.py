"""WSGI entry point: `gunicorn cloud_hospital.wsgi:app` (what `cloud-hospital serve` runs) serves HTTP and Socket.IO."""
from cloud_hospital.app import create_app
from core.extensions import socketio

app = create_app()

__all__ = ["app", "socketio"]
