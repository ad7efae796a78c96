"""Demo web consoles (patient app, doctor workstation, pharmacy console, admin reports) served under /app.

They are plain HTML pages with ES modules that use only the public interfaces, from the browser: the
app API (/api/v1), the FHIR API (/fhir) and the Socket.IO namespace /consult with the official
socket.io JavaScript client (built from npm by `make consoles`, served from this process: no CDN).
Nothing here imports a domain: the consoles are clients, not part of the service's logic.
"""
from consoles.views import bp


def init_app(app):
    """Mount the consoles under /app."""
    app.register_blueprint(bp)
