"""The interactive API docs page (Swagger UI served from the installed package: works offline)."""
from flask import Blueprint, render_template_string, send_from_directory
from swagger_ui_bundle import swagger_ui_path

bp = Blueprint("api_docs", __name__)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cloud Hospital API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{{ url_for('api_docs.asset', filename='swagger-ui.css') }}"></head>
<body><div id="swagger-ui"></div>
<script src="{{ url_for('api_docs.asset', filename='swagger-ui-bundle.js') }}"></script>
<script src="{{ url_for('api_docs.asset', filename='swagger-ui-standalone-preset.js') }}"></script>
<script src="{{ url_for('api_docs.init_script') }}"></script>
</body></html>"""

INIT = """window.ui = SwaggerUIBundle({url: "/api/v1/openapi.json", dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "StandaloneLayout",
  persistAuthorization: true, validatorUrl: null});"""  # no badge fetched from validator.swagger.io


@bp.get("/api/v1/docs")
def docs_page():
    """The Swagger UI page for the OpenAPI document."""
    return render_template_string(PAGE)


@bp.get("/api/v1/docs/init.js")
def init_script():
    """Swagger UI start-up script (a file, so a strict CSP can forbid inline scripts)."""
    return INIT, 200, {"Content-Type": "application/javascript"}


@bp.get("/api/v1/docs/assets/<path:filename>")
def asset(filename):
    """Swagger UI's static files from the swagger-ui-bundle package."""
    return send_from_directory(swagger_ui_path, filename, max_age=86400)
