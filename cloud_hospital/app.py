"""The composition root: create_app() reads the configuration, binds the extensions, mounts the domains
(cloud_hospital.domains), then the error handlers and the CLI commands. It sits above every package;
core, the kernel, knows none of them."""
import os
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from cloud_hospital import MIGRATIONS_DIR
from cloud_hospital.domains import check_data, import_models, register_blueprints
from core import config as config_module
from core import db_ping
from core.cookie_session import CachedSerializerSessionInterface
from core.extensions import api, db, migrate, socketio

# A pooled PostgreSQL connection idle longer than this is pinged before use (core.db_ping); busy ones are not.
POOL_PING_IDLE_SECONDS = 2.0


def create_app(config=None):
    """Build the Cloud Hospital app; `config` (a mapping) overrides defaults and the environment."""
    app = Flask(__name__, instance_path=os.environ.get("INSTANCE_PATH") or config_module.default_instance_path())
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.session_interface = CachedSerializerSessionInterface()
    app.config.from_mapping(config_module.config_from_env(app.instance_path))
    app.config.from_mapping(_fixed_settings())
    if config:
        app.config.from_mapping(config)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = config_module.engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    config_module.check_production_safety(app.config)
    config_module.check_registration_settings(app.config)
    config_module.check_metrics_directory()
    check_data()
    _install_fast_read(app)  # inside ProxyFix: it reads the corrected address and scheme
    if app.config["TRUST_PROXY_HOPS"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUST_PROXY_HOPS"],
                                x_proto=app.config["TRUST_PROXY_HOPS"], x_host=app.config["TRUST_PROXY_HOPS"])
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    if app.config["SCHEDULER_AUTOSTART"] and not app.testing:
        from core import scheduler
        scheduler.start_when_leader(app)
    return app


def _install_fast_read(app):
    from records.fhir import fast_read

    fast_read.install(app)


def _fixed_settings():
    return {
        "API_TITLE": "Cloud Hospital API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "info": {"description": "App API of the Cloud Hospital. Errors are RFC 9457 problem details."},
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearerAuth": []}],
        },
        "SQLALCHEMY_RECORD_QUERIES": False,
        "JSON_SORT_KEYS": False,
        "ARGON2_TIME_COST": 3,
        "ARGON2_MEMORY_KIB": 65536,
    }


def _sqlite_pragmas(dbapi_connection, _record):
    # WAL lets readers work while one writer commits; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def register_extensions(app):
    """Bind db, migrations, the OpenAPI layer and Socket.IO to the app."""
    from core import (http, jobs, observability, reporting, sms, socketqueue,  # noqa: F401  (jobs: registers them)
                      transaction)

    import_models()
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
            event.listen(db.engine, "savepoint", transaction.write_lock_before_savepoint)
        else:
            db_ping.install(db.engine, idle_seconds=POOL_PING_IDLE_SECONDS)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)
    api.init_app(app)
    # async_handlers=False: a client's events run one after another, in the order sent (a chat client that
    # sends before the previous ack must not see its messages sequenced out of order); clients still run
    # in parallel, each connection in its own thread.
    # The Redis queue (core.socketqueue) fails fast: a Redis outage costs only the cross-process fan-out.
    queue = socketqueue.client_manager(app.config)
    socketio.init_app(app, message_queue=app.config["REDIS_URL"], channel=app.config["SOCKETIO_CHANNEL"],
                      async_mode="threading", async_handlers=False,
                      # None: same-origin only (engine.io's own check); [] would switch the Origin check off.
                      cors_allowed_origins=app.config["CORS_ORIGINS"] or None,
                      **({"client_manager": queue} if queue else {}))
    observability.init_app(app)
    http.init_app(app)
    transaction.init_app(app)
    reporting.init_app(app)
    sms.init_app(app)


def register_errorhandlers(app):
    """Problem details everywhere (registered after flask-smorest's handler so ours win)."""
    from core import errors

    errors.init_app(app)


def register_commands(app):
    """CLI commands of the kernel and the domains."""
    from core import cli
    from seeds import cli as seed_cli

    cli.init_app(app)
    seed_cli.init_app(app)
