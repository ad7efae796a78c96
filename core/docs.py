"""The interactive API docs page: Swagger UI from npm's swagger-ui-dist (pinned in consoles/package-lock.json,
copied to core/static/swagger-ui by `make consoles`), served locally. The page asks nothing of another host:
no validator badge (validatorUrl null), no ?url= or ?configUrl= from the address bar, and its CSP refuses any
other origin."""
from pathlib import Path

from flask import Blueprint, abort, render_template_string, send_from_directory

bp = Blueprint("api_docs", __name__)
ASSETS = Path(__file__).resolve().parent / "static" / "swagger-ui"
BUNDLE = "swagger-ui-bundle.js"
# Swagger UI styles its elements inline and shows data: images; everything else comes from this origin.
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cloud Hospital API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{{ url_for('api_docs.asset', filename='swagger-ui.css') }}"></head>
<body><div id="swagger-ui"></div>
<script src="{{ url_for('api_docs.asset', filename='swagger-ui-bundle.js') }}"></script>
<script src="{{ url_for('api_docs.init_script') }}"></script>
</body></html>"""

MISSING = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cloud Hospital API</title></head>
<body><h1>Cloud Hospital API</h1>
<p>Swagger UI is not built here: run <code>make consoles</code> (it needs npm).</p>
<p>The OpenAPI document: <a href="{{ url_for('api-docs.openapi_json') }}">/api/v1/openapi.json</a></p>
</body></html>"""

# The tags start folded: with 170 operations expanded at once Swagger UI 5 stopped rendering after the first
# two tags (measured: fine up to 118 operations, only 7 shown from 120 on); a tag opens on a click.
INIT = """window.ui = SwaggerUIBundle({url: "/api/v1/openapi.json", dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis], layout: "BaseLayout", validatorUrl: null, queryConfigEnabled: false,
  displayOperationId: true, persistAuthorization: true, docExpansion: "none"});"""


def _with_csp(body, status=200, mimetype="text/html"):
    return body, status, {"Content-Type": f"{mimetype}; charset=utf-8", "Content-Security-Policy": CSP}


@bp.get("/api/v1/docs")
def docs_page():
    """The Swagger UI page for the OpenAPI document (or how to build it)."""
    return _with_csp(render_template_string(PAGE if (ASSETS / BUNDLE).is_file() else MISSING))


@bp.get("/api/v1/docs/init.js")
def init_script():
    """Swagger UI start-up script (a file, so the CSP can forbid inline scripts)."""
    return _with_csp(INIT, mimetype="application/javascript")


@bp.get("/api/v1/docs/assets/<path:filename>")
def asset(filename):
    """Swagger UI's static files, as `make consoles` copied them from swagger-ui-dist."""
    if not ASSETS.is_dir():
        abort(404)
    return send_from_directory(ASSETS, filename, max_age=86400)
