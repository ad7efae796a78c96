"""Real server processes for restart and scale-out tests: gunicorn (gthread, one worker) serving
wsgi:app on the test database, optionally with Redis as the Socket.IO message queue."""
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[3]


def require_redis(url):
    """Skip the calling test when no Redis answers at `url`, except in CI, where the test must run."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {url} (in CI this test must run)")


class ServerProcess:
    """`gunicorn --worker-class gthread --threads 50 -w 1 wsgi:app` on a loopback port (`start_args` to change;
    keyword arguments become environment variables of the server, e.g. PHARMACY_OFFER_TTL_SECONDS="2")."""

    def __init__(self, database_url, redis_url=None, secret_key="test-secret-key-that-is-long-enough-0123456789",
                 **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.instance = tempfile.mkdtemp(prefix="consult-proc-")
        self.env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": secret_key, "INSTANCE_PATH": self.instance,
                    "REDIS_URL": redis_url or "", "SCHEDULER_AUTOSTART": "false", "LOG_LEVEL": "WARNING", **env}
        self.proc = None
        self.start_args = ["--threads", "50"]

    def start(self, timeout=30):
        """Start (or start again after `kill`, on the same port) and wait until /healthz answers; returns self."""
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.log = open(Path(self.instance) / "server.log", "ab")
        self.proc = subprocess.Popen([gunicorn, "--worker-class", "gthread", *self.start_args, "-w", "1",
                                      "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "2", "wsgi:app"],
                                     cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.output()}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not start: {self.output()}")

    def output(self):
        self.log.flush()
        return (Path(self.instance) / "server.log").read_text(errors="replace")[-4000:]

    def kill(self):
        """Stop hard (SIGKILL to the process group): what a crash looks like."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.log.close()

    def pids(self):
        """The gunicorn arbiter and its worker(s) (the worker's RSS is what a soak watches)."""
        out = subprocess.run(["pgrep", "-g", str(self.proc.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def stop(self):
        """Stop gracefully."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.log.close()
