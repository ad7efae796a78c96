"""Processes of bench/http_bench.py: the service as the README's Production section runs it (one gunicorn
process per port, `--worker-class gthread --workers 1 --threads 64`, plus `flask scheduler run`), the
ceiling app under the identical gunicorn command line, and their CPU time from /proc."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def production_environment(database, redis_url, instance, label):
    """The environment of the service as README "Production" runs it, on PostgreSQL `database`, with a Socket.IO
    channel of its own (`label`) and the benchmarks' phone gateway (production refuses the development one)."""
    from bench._common import BENCH_SMS_GATEWAY

    env = {**os.environ, "CLOUD_HOSPITAL_ENV": "production",
           "SECRET_KEY": f"{label}-secret-key-0123456789abcdef0123456789",
           "DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{database}", "REDIS_URL": redis_url,
           "SOCKETIO_CHANNEL": f"{label}-{os.getpid()}", "INSTANCE_PATH": instance, "FLASK_APP": "wsgi",
           "SMS_GATEWAY": BENCH_SMS_GATEWAY}
    for name in ("TEST_DATABASE_URL", "SCHEDULER_AUTOSTART", "LOG_LEVEL"):
        env.pop(name, None)
    return env


def gunicorn_command(port, threads, app="wsgi:app"):
    """The README's production command line, bound to a loopback port."""
    return [str(BIN / "gunicorn"), "--worker-class", "gthread", "--workers", "1", "--threads", str(threads),
            "--bind", f"127.0.0.1:{port}", app]


class Fleet:
    """Several gunicorn processes serving one app (one per port, as behind a load balancer)."""

    def __init__(self, ports, threads, env, app, log_dir, name):
        self.ports, self.env, self.app, self.name = ports, env, app, name
        self.commands = [gunicorn_command(port, threads, app) for port in ports]
        self.log = open(Path(log_dir) / f"{name}.log", "ab")
        self.procs = []

    def start(self, timeout=60):
        """Start every process and wait until each answers (the service: /healthz)."""
        for port in self.ports:  # a server left over from an earlier run would answer in our place
            try:
                requests.get(f"http://127.0.0.1:{port}/", timeout=1)
                raise RuntimeError(f"port {port} is already served by another process")
            except requests.ConnectionError:
                pass
        for command in self.commands:
            self.procs.append(subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self.log,
                                               stderr=subprocess.STDOUT, start_new_session=True))
        probe = "/healthz" if self.app == "wsgi:app" else "/fhir/Patient/probe"
        deadline = time.monotonic() + timeout
        for port, proc in zip(self.ports, self.procs):
            while True:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} on port {port} did not start; see {self.log.name}")
                try:
                    if requests.get(f"http://127.0.0.1:{port}{probe}", timeout=1).status_code == 200:
                        break
                except requests.RequestException:
                    time.sleep(0.2)
        return self

    def cpu_seconds(self):
        """User + system CPU seconds of every process of the fleet (masters and workers) so far."""
        return sum(process_cpu(pid) for proc in self.procs for pid in [proc.pid, *children(proc.pid)])

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        self.log.close()


def start_scheduler(env, log_dir):
    """`flask --app wsgi scheduler run`: the one process that runs the timed jobs."""
    log = open(Path(log_dir) / "scheduler.log", "ab")
    return subprocess.Popen([str(BIN / "flask"), "--app", "wsgi", "scheduler", "run"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop_process(proc):
    if proc is not None and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def process_cpu(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid):
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def database_cpu_seconds(database):
    """CPU seconds of the PostgreSQL backends connected to `database` (their process title names it)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if title.startswith("postgres: ") and f" {database} " in title:
                total += process_cpu(int(entry.name))
    return total


def settle(fleet, quiet=0.02, step=0.25, limit=60.0):
    """Wait until the fleet is idle: less than `quiet` CPU seconds used in `step` seconds (at most `limit`)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = fleet.cpu_seconds()
        time.sleep(step)
        if fleet.cpu_seconds() - before < quiet:
            return


def load_average():
    """The 1-minute load average, as /proc/loadavg reports it."""
    return float(Path("/proc/loadavg").read_text().split()[0])
