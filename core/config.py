"""Configuration: laptop-friendly defaults, overridden by environment variables (twelve-factor).

A setting that cannot be used raises ConfigError naming the variable, so the command line can say
it in one line instead of a traceback (cloud_hospital.cli).
"""
import logging
import os
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_SECRET_KEY = "dev-only-insecure-secret-key"
ROOT = Path(__file__).resolve().parent.parent
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


class ConfigError(RuntimeError):
    """A setting the service cannot start with; the message names the variable and what to do."""


def setting_from_env(name, default):
    """The environment's value of `name` parsed like `default` (bool, int, float, tuple of ints, str),
    or `default` when unset or empty; a value that does not parse is a ConfigError naming `name`."""
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    raw = raw.strip()
    if isinstance(default, bool):
        if raw.lower() not in TRUE_WORDS + FALSE_WORDS:
            raise ConfigError(f"{name} must be true or false, not {raw!r}.")
        return raw.lower() in TRUE_WORDS
    try:
        if isinstance(default, tuple):
            return tuple(int(part) for part in raw.split(",") if part.strip())
        return type(default)(raw)
    except ValueError:
        kind = {int: "a whole number", float: "a number", tuple: "comma-separated whole numbers"}
        raise ConfigError(f"{name} must be {kind.get(type(default), 'valid')}, not {raw!r}.") from None


def default_instance_path():
    """`instance/` of the source checkout; installed from a wheel, `./instance` in the working directory
    (site-packages is no place for a database or a lock file, and may not be writable)."""
    if (ROOT / "pyproject.toml").is_file():
        return str(ROOT / "instance")
    return str(Path.cwd() / "instance")


def normalise_database_url(url):
    """Accept the common `postgres://` and `postgresql://` spellings and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _database_url(default_db):
    url = normalise_database_url(os.environ.get("DATABASE_URL") or default_db)
    try:
        make_url(url)
    except ArgumentError:
        raise ConfigError("DATABASE_URL is not a database URL (e.g. postgresql://user:pass@host:5432/db).") from None
    return url


def _log_level():
    level = (os.environ.get("LOG_LEVEL") or "INFO").upper()
    if not isinstance(logging.getLevelName(level), int):
        raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {level!r}.")
    return level


def config_from_env(instance_path):
    """Build the configuration mapping from defaults and the process environment."""
    default_db = f"sqlite:///{Path(instance_path) / 'cloud_hospital.sqlite3'}"
    return {
        "ENV": os.environ.get("CLOUD_HOSPITAL_ENV", "development"),
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        # Previous SECRET_KEYs, comma-separated: still accepted (session cookies, the doctors' signing keys).
        "SECRET_KEY_FALLBACKS": [k.strip() for k in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if k.strip()],
        "SQLALCHEMY_DATABASE_URI": _database_url(default_db),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        # Redis pub/sub ignores database numbers: deployments sharing one Redis need their own channel.
        "SOCKETIO_CHANNEL": os.environ.get("SOCKETIO_CHANNEL") or "flask-socketio",
        "TOKEN_TTL_SECONDS": setting_from_env("TOKEN_TTL_SECONDS", 8 * 3600),
        # Open Socket.IO connections learn of a revoked token within this (one query per process per period).
        "TOKEN_REVOCATION_POLL_SECONDS": setting_from_env("TOKEN_REVOCATION_POLL_SECONDS", 1.0),
        # Login throttling (core.ratelimit): free failures per account and address, then a doubling wait.
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": setting_from_env("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5),
        "LOGIN_BACKOFF_SECONDS": setting_from_env("LOGIN_BACKOFF_SECONDS", 30),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": setting_from_env("LOGIN_MAX_FAILURES_PER_ADDRESS", 30),
        "LOGIN_MAX_FAILURES_PER_ACCOUNT_ALL_ADDRESSES": setting_from_env("LOGIN_MAX_FAILURES_PER_ACCOUNT_ALL_ADDRESSES", 50),
        "LOGIN_KNOWN_ADDRESS_DAYS": setting_from_env("LOGIN_KNOWN_ADDRESS_DAYS", 90),
        "LOGIN_FAILURE_WINDOW_SECONDS": setting_from_env("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60),
        # Registration (core.registration): the text-message gateway, then the one-time codes and the limits.
        "SMS_GATEWAY": (os.environ.get("SMS_GATEWAY") or "console").strip(),
        "SMS_CONSOLE_OUTBOX": os.environ.get("SMS_CONSOLE_OUTBOX") or str(Path(instance_path) / "sms-outbox.jsonl"),
        "PHONE_CODE_TTL_SECONDS": setting_from_env("PHONE_CODE_TTL_SECONDS", 10 * 60),
        "PHONE_CODE_MAX_ATTEMPTS": setting_from_env("PHONE_CODE_MAX_ATTEMPTS", 5),
        "PHONE_CODE_RESEND_SECONDS": setting_from_env("PHONE_CODE_RESEND_SECONDS", 60),
        "PHONE_CODES_PER_PHONE": setting_from_env("PHONE_CODES_PER_PHONE", 5),
        "PHONE_CODES_PER_ADDRESS": setting_from_env("PHONE_CODES_PER_ADDRESS", 20),
        "REGISTRATIONS_PER_ADDRESS": setting_from_env("REGISTRATIONS_PER_ADDRESS", 20),
        "REGISTRATION_LIMIT_WINDOW_SECONDS": setting_from_env("REGISTRATION_LIMIT_WINDOW_SECONDS", 3600),
        # How long an Idempotency-Key's first answer is replayed (CLINIC_IDEMPOTENCY_TTL_HOURS: its former name).
        "IDEMPOTENCY_TTL_HOURS": setting_from_env("IDEMPOTENCY_TTL_HOURS",
                                                  setting_from_env("CLINIC_IDEMPOTENCY_TTL_HOURS", 24)),
        "MAX_CONTENT_LENGTH": setting_from_env("MAX_CONTENT_LENGTH", 10 * 1024 * 1024),
        "SCHEDULER_AUTOSTART": setting_from_env("SCHEDULER_AUTOSTART", False),
        "CORS_ORIGINS": [o for o in os.environ.get("CORS_ORIGINS", "").split(",") if o],
        "TRUST_PROXY_HOPS": setting_from_env("TRUST_PROXY_HOPS", 0),
        "LOG_LEVEL": _log_level(),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL") or None,
        # Successful FHIR reads and type searches answered below Flask's request machinery (records.fhir.fast_read);
        # false sends every request through Flask.
        "FHIR_FAST_READ": setting_from_env("FHIR_FAST_READ", True),
        # /metrics: with a token, only `Authorization: Bearer <token>`; without, only direct loopback callers.
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN") or None,
    }


def engine_options(database_uri):
    """Engine options per backend: SQLite gets a busy timeout, PostgreSQL a healthy pool."""
    if database_uri.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    # At most 30 connections a process, as before, but up to 20 kept open: with 10 kept, a process serving
    # more than ~8 requests at once opened and closed a connection per request above that (a PostgreSQL
    # backend start each time; a tenth of a FHIR search's CPU under 16 clients).
    # No pool_pre_ping: core.db_ping pings only connections that sat idle (register_extensions installs it).
    # prepare_threshold=None: psycopg would prepare a statement server-side after 5 runs, and PostgreSQL then
    # switches to a generic plan, blind to the values; for FHIR searches (one SQL text per search shape,
    # matches from 1 to thousands) that measured 3.4 ms of backend CPU per subject+code search instead of
    # 0.5 and 12.7 instead of 2.5 for the chained one (docs/PERFORMANCE.md).
    return {"pool_size": 20, "max_overflow": 10, "pool_recycle": 1800, "connect_args": {"prepare_threshold": None}}


def check_production_safety(config):
    """Refuse to start in production with settings only fit for a laptop."""
    if config["ENV"] != "production":
        return
    if config["SECRET_KEY"] in (None, "", DEFAULT_SECRET_KEY) or len(config["SECRET_KEY"]) < 32:
        raise ConfigError("Production refuses a default or short SECRET_KEY: set SECRET_KEY (32+ characters).")
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        raise ConfigError("Production requires PostgreSQL: set DATABASE_URL.")


REGISTRATION_COUNTS = ("PHONE_CODE_TTL_SECONDS", "PHONE_CODE_MAX_ATTEMPTS", "PHONE_CODES_PER_PHONE",
                       "PHONE_CODES_PER_ADDRESS", "REGISTRATIONS_PER_ADDRESS", "REGISTRATION_LIMIT_WINDOW_SECONDS")


def check_registration_settings(config):
    """The SMS gateway must be importable, and in production one that reaches phones; limits positive."""
    from core import sms

    try:
        sms.check_gateway_setting(config["SMS_GATEWAY"])
    except ValueError as exc:
        raise ConfigError(f"SMS_GATEWAY {exc}.") from None
    if config["ENV"] == "production" and config["SMS_GATEWAY"] in sms.DEVELOPMENT_GATEWAYS:
        raise ConfigError(f"Production refuses SMS_GATEWAY={config['SMS_GATEWAY']}, which reaches no phone: "
                          "set it to a provider's gateway (docs/SMS.md).")
    for name in REGISTRATION_COUNTS:
        if config[name] < 1:
            raise ConfigError(f"{name} must be at least 1, not {config[name]}.")
    if config["PHONE_CODE_RESEND_SECONDS"] < 0:
        raise ConfigError("PHONE_CODE_RESEND_SECONDS must not be negative.")


def check_metrics_directory():
    """Under multi-process gunicorn, PROMETHEUS_MULTIPROC_DIR must be an existing, writable directory."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path and not (os.path.isdir(path) and os.access(path, os.W_OK)):
        raise ConfigError(f"PROMETHEUS_MULTIPROC_DIR={path} is not a writable directory: create it (empty) first.")
