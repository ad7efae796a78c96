"""Cloud consulting rooms: the doctor's queue feeds a room, chat and video-call signalling over
Socket.IO (`/consult`), attachments, timeouts, and the outcome written into the health record.

`init_app` wires it in at start-up: configuration defaults (overridable by the environment), the
care relationship consultations create, the sweeps and the CLI.
"""
from core.config import ConfigError, setting_from_env

DEFAULTS = {
    "CONSULT_ATTACHMENT_MAX_BYTES": 5 * 1024 * 1024,
    "CONSULT_INVITE_TIMEOUT_SECONDS": 300,  # an invited patient who does not join within this is skipped
    "CONSULT_INVITE_TIMEOUT_ACTION": "requeue",  # requeue (back of the queue) | noshow
    "CONSULT_IDLE_TIMEOUT_SECONDS": 1800,  # an active consultation without a message this long is closed
}


def init_app(app):
    """Config defaults, the care relationship, the sweeps and `flask consult`."""
    from clinic.consult import access, cli, closeout, metrics, sweeps  # noqa: F401  (their decorators register)

    for key, default in DEFAULTS.items():
        if key not in app.config:
            app.config[key] = setting_from_env(key, default)
    if app.config["CONSULT_INVITE_TIMEOUT_ACTION"] not in ("requeue", "noshow"):
        raise ConfigError("CONSULT_INVITE_TIMEOUT_ACTION must be requeue or noshow.")
    access.register()
    closeout.register_view()
    cli.init_app(app)  # the /consult namespace itself is registered by clinic.init_app (clinic.realtime)
