"""gunicorn's settings for `cloud-hospital serve` (`gunicorn -c python:cloud_hospital.gunicorn_config`).

One gthread worker per gunicorn process: a Socket.IO session lives in one process (scale out with more
processes behind sticky sessions, see the README). Logs are the app's JSON lines on stderr, gunicorn's
own included; gunicorn's access log stays off, since the app writes one line per request with its id.
"""
import os

worker_class = "gthread"
workers = 1
threads = 64
bind = ["0.0.0.0:8000"]
# gunicorn 25+ opens a control socket at one path per user ($HOME/.gunicorn/gunicorn.ctl): several gunicorn
# processes on a host (the README's way to scale out) would take it from each other.
control_socket_disable = True
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "core.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "root": {"level": (os.environ.get("LOG_LEVEL") or "INFO").upper(), "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        "alembic": {"level": "WARNING"},  # its plugin set-up lines at import say nothing about serving
    },
}


def child_exit(server, worker):
    """A dead worker's live gauges (open Socket.IO connections) leave the multi-process sum."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
