"""What the consulting rooms plug into the app at start-up: configuration defaults (overridable by
the environment), the care relationship consultations create, pharmacy's hooks, the sweeps and the CLI."""
from core.config import ConfigError, setting_from_env

DEFAULTS = {
    "CONSULT_ATTACHMENT_MAX_BYTES": 5 * 1024 * 1024,
    "CONSULT_INVITE_TIMEOUT_SECONDS": 300,  # an invited patient who does not join within this is skipped
    "CONSULT_INVITE_TIMEOUT_ACTION": "requeue",  # requeue (back of the queue) | noshow
    "CONSULT_IDLE_TIMEOUT_SECONDS": 1800,  # an active consultation without a message this long is closed
    "ICE_SERVERS": "",  # JSON list of STUN/TURN servers without credentials (clinic/consult/ice.py)
    "TURN_URLS": "",  # turn:/turns: URLs of a TURN server checking TURN REST API credentials (coturn)
    "TURN_SECRET": "",  # that server's static-auth-secret
    "TURN_CREDENTIAL_TTL_SECONDS": 3600,
}


def init_app(app):
    """Config defaults, the care relationship, pharmacy's hooks, the sweeps and `flask consult`."""
    # Imported for their decorators (jobs, metrics, CLI) as much as for their functions.
    from clinic.consult import access, cli, closeout, ice, metrics, prescribing, sweeps  # noqa: F401

    for key, default in DEFAULTS.items():
        if key not in app.config:
            app.config[key] = setting_from_env(key, default)
    if app.config["CONSULT_INVITE_TIMEOUT_ACTION"] not in ("requeue", "noshow"):
        raise ConfigError("CONSULT_INVITE_TIMEOUT_ACTION must be requeue or noshow.")
    ice.check_settings(app.config)
    access.register()
    closeout.register_view()
    prescribing.register()  # what pharmacy asks of consultations: the resolver, the `prescribe` check, the notifier
    cli.init_app(app)  # the /consult namespace is registered by clinic.realtime.services.init_app
