"""Run wrk (bench/wrk/replay.lua) against several ports at once and merge what the processes report."""
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "wrk" / "replay.lua"


@dataclass
class Result:
    """One phase over every port: statuses, latency histogram (microseconds -> count), duration."""

    seconds: float = 0.0
    requests: int = 0
    socket_errors: int = 0
    statuses: dict = field(default_factory=dict)
    latencies: dict = field(default_factory=dict)

    def merge(self, other):
        self.seconds = max(self.seconds, other.seconds)
        self.requests += other.requests
        self.socket_errors += other.socket_errors
        for table, more in ((self.statuses, other.statuses), (self.latencies, other.latencies)):
            for key, count in more.items():
                table[key] = table.get(key, 0) + count
        return self

    def ok(self, status):
        return self.statuses.get(status, 0)

    def percentile_ms(self, fraction):
        """Latency (ms) below which `fraction` of the answered requests fell."""
        total = sum(self.latencies.values())
        if not total:
            return float("nan")
        seen = 0
        for value in sorted(self.latencies):
            seen += self.latencies[value]
            if seen >= fraction * total:
                return value / 1000
        return max(self.latencies) / 1000


def _parse(text):
    result = Result()
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "status":
            result.statuses[int(parts[1])] = result.statuses.get(int(parts[1]), 0) + int(parts[2])
        elif parts[0] == "latency":
            result.latencies[int(parts[1])] = result.latencies.get(int(parts[1]), 0) + int(parts[2])
        elif parts[0] == "summary":
            duration, requests, connect, read, write, _status, timeout = map(int, parts[1:8])
            result.seconds, result.requests = duration / 1e6, requests
            result.socket_errors = connect + read + write + timeout
    return result


def run(ports, files, connections, seconds, starts=None, timeout_s=30):
    """wrk on every port at once (connections split evenly), each replaying its own request file from its
    start line (`starts`: port index -> line); (merged Result, [Result per port])."""
    per_port = max(1, connections // len(ports))
    procs = []
    for i, (port, path) in enumerate(zip(ports, files)):
        command = ["wrk", "-t1", f"-c{per_port}", f"-d{seconds}s", f"--timeout={timeout_s}s", "-s", str(SCRIPT),
                   f"http://127.0.0.1:{port}", "--", str(path), str((starts or {}).get(i, 1))]
        procs.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    parts = []
    for proc in procs:
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"wrk failed: {err or out}")
        parts.append(_parse(out))
    merged = Result()
    for part in parts:
        merged.merge(part)
    return merged, parts
