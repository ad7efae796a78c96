"""SMART on FHIR (issue 18): App Launch (authorization code with PKCE, consent page, scopes, refresh,
revocation, introspection), Backend Services (client credentials with private_key_jwt) and Bulk Data export.

Above records: the scopes themselves are records' (records.scopes, applied by records.access on /fhir);
this package issues the tokens and turns them into scoped Actors through core.auth's token resolver hook.
"""
from core.config import setting_from_env

DEFAULTS = {
    "SMART_ACCESS_TOKEN_SECONDS": 3600,  # an app's access token
    "SMART_REFRESH_TOKEN_SECONDS": 90 * 24 * 3600,  # offline_access: until revoked or this long unused
    "SMART_BACKEND_TOKEN_SECONDS": 300,  # a backend service's token (SMART: at most five minutes)
    "SMART_CODE_SECONDS": 60,  # an authorization code must be exchanged this soon
    "SMART_SIGNING_KEY": "",  # PEM of the RSA key that signs id_tokens (default: one made in the instance folder)
    "SMART_BULK_DIR": "",  # where export files go (default: the instance folder's bulk/)
    "SMART_BULK_FILE_SECONDS": 24 * 3600,  # a finished export's files are deleted this long after
    "SMART_BULK_SLICE_SECONDS": 10.0,  # how long one run of the export job works before giving way
    "SMART_BULK_PAGE_SIZE": 500,  # resources read and written per step (at most records' search page, 500)
}


def init_app(app):
    """Config defaults, the authorization server, the token resolver, blueprints and CLI."""
    from core import auth
    from records import api as records_api
    from smart import cli, server, tokens, views
    from smart.bulk import runner  # noqa: F401  (registers the export jobs)
    from smart.bulk import views as bulk_views

    for key, value in DEFAULTS.items():
        if key not in app.config:
            app.config[key] = setting_from_env(key, value)
    server.build_server(app)
    auth.register_token_resolver(tokens.actor_for_smart_token)
    records_api.register_capability_addition(views.add_to_capabilities)
    app.register_blueprint(views.bp)
    app.register_blueprint(bulk_views.bp)
    app.cli.add_command(cli.smart_cli)


def blueprints():
    """SMART's app-API blueprints (admin client registration, a user's authorised apps)."""
    from smart import api_views

    return [api_views.bp]
