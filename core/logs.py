"""Log lines: one JSON object a line on stderr, for the app, gunicorn and the development server alike.

Each request is logged once, by core.observability's access line: the development server's own line
for it (werkzeug's `"GET /healthz HTTP/1.1" 200 -`) is dropped. Terminal colour codes (werkzeug paints
status codes and its warnings) are taken out of messages, so a JSON line holds plain text only.
"""
import json
import logging
import re

# Fields a record may carry through `extra=`: the request's (core.observability) and a job's (core.scheduler).
EXTRA_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id", "job", "outcome", "result")
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
DEV_SERVER_REQUEST_LINE = '"%s" %s %s'  # the format werkzeug's WSGIRequestHandler.log_request logs with


class JsonFormatter(logging.Formatter):
    """One JSON object a line, carrying the request id (or the job) when there is one."""

    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": ANSI_ESCAPE.sub("", record.getMessage()),
        }
        for key in EXTRA_FIELDS:
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class DropDevServerRequestLines(logging.Filter):
    """Drops werkzeug's per-request line: the app's access line already says it, with the request id."""

    def filter(self, record):
        return not (isinstance(record.msg, str) and record.msg.endswith(DEV_SERVER_REQUEST_LINE))


def configure_logging(level):
    """JSON logs to stderr at `level` (the handler once per process, or gunicorn's from its log config)."""
    root = logging.getLogger()
    root.setLevel(level)
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, DropDevServerRequestLines) for f in werkzeug.filters):
        werkzeug.addFilter(DropDevServerRequestLines())
