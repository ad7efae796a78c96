"""The checkout's shortcut to the WSGI entry point: `flask --app wsgi ...` runs commands, `gunicorn wsgi:app` serves.
Installed, use `cloud-hospital ...` and `cloud_hospital.wsgi:app`."""
from cloud_hospital.wsgi import app, socketio

__all__ = ["app", "socketio"]
