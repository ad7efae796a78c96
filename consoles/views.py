"""Routes of the consoles: the pages, their static files and the locally built Socket.IO client."""
from pathlib import Path

from flask import Blueprint, abort, render_template, send_from_directory

HERE = Path(__file__).resolve().parent
VENDOR = HERE / "static" / "vendor"
SOCKET_IO_FILE = "socket.io.min.js"
CONSOLES = ("patient", "doctor", "pharmacy", "admin")
# Pages load only their own scripts and talk only to this origin (the API, /fhir and Socket.IO).
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
            "media-src 'self' blob: mediastream:; connect-src 'self' ws: wss:; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'self'")
# Served instead of the client when `make consoles` has not built it (npm missing): the page says so.
MISSING_CLIENT = ("window.SOCKET_IO_MISSING = 'The Socket.IO client was not built: install npm and run "
                  "`make consoles` (make run and make test do it). Live updates, chat and video are off.';\n")

bp = Blueprint("consoles", __name__, url_prefix="/app", template_folder="templates", static_folder="static",
               static_url_path="/static")


def _page(name):
    response = render_template(f"consoles/{name}.html", console=name, consoles=CONSOLES)
    return response, 200, {"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-cache"}


@bp.get("/")
def show_index():
    """The list of consoles and the demo accounts."""
    return _page("index")


@bp.get("/<string:name>")
def show_console(name):
    """One console page (patient, doctor, pharmacy, admin)."""
    if name not in CONSOLES:
        abort(404)
    return _page(name)


@bp.get("/vendor/socket.io.min.js")
def socket_io_client():
    """The official socket.io client copied from npm by `make consoles`, or a stub that explains its absence."""
    if (VENDOR / SOCKET_IO_FILE).is_file():
        return send_from_directory(VENDOR, SOCKET_IO_FILE, max_age=3600)
    return MISSING_CLIENT, 200, {"Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache"}
