"""WSGI entry point: `gunicorn wsgi:app` serves HTTP and Socket.IO; `flask --app wsgi ...` runs commands."""
from core.app import create_app
from core.extensions import socketio

app = create_app()

__all__ = ["app", "socketio"]
