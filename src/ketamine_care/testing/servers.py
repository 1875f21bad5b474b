"""App servers in a subprocess, for tests and benchmarks that go through real HTTP.

`free_port()` finds a port to bind; `start_serve()` runs `ketamine-care serve` (gunicorn) with
the environment given and returns once `/healthz` answers; `wait_for_health()` is that wait on
its own (for a server started some other way) and `stop()` ends the server. The probe says
`X-Forwarded-Proto: https`, as the TLS-terminating proxy in front of a production server does:
without it a production server answers every request with a redirect to HTTPS.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


class ServerDidNotStart(RuntimeError):
    pass


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def console(*args: str) -> list[str]:
    """The command line of `ketamine-care ARGS` with this interpreter."""
    return [sys.executable, "-m", "ketamine_care", *args]


@dataclass
class Server:
    process: subprocess.Popen
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, timeout: float = 30) -> None:
        stop(self.process, timeout)


def health(base_url: str, timeout: float = 5) -> dict:
    """The body of `/healthz`; raises OSError while nothing (or not yet the app) answers."""
    probe = urllib.request.Request(f"{base_url}/healthz", headers={"X-Forwarded-Proto": "https"})
    with urllib.request.urlopen(probe, timeout=timeout) as response:
        return json.loads(response.read())


def wait_for_health(
    process: subprocess.Popen, base_url: str, *, timeout: float = 120, interval: float = 0.3
) -> dict:
    """Poll `/healthz` until it answers; fail if the process exits or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return health(base_url)
        except (OSError, ValueError) as exc:
            if process.poll() is not None:
                raise ServerDidNotStart(f"the server exited with {process.returncode}") from exc
            if time.monotonic() >= deadline:
                raise ServerDidNotStart(
                    f"the server did not answer /healthz within {timeout:.0f} s"
                ) from exc
            time.sleep(interval)


def start_serve(
    env: Mapping[str, str],
    *,
    workers: int = 1,
    threads: int | None = None,
    port: int | None = None,
    extra: Sequence[str] = ("--no-collectstatic",),
    timeout: float = 120,
    **popen,
) -> Server:
    """Start `ketamine-care serve` on 127.0.0.1 and wait for `/healthz`. `popen` goes to
    `subprocess.Popen` (e.g. `stderr=subprocess.PIPE, text=True` to read its log lines)."""
    port = port or free_port()
    command = ["serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    if threads is not None:
        command += ["--threads", str(threads)]
    process = subprocess.Popen(console(*command, *extra), env=dict(env), **popen)
    server = Server(process, port)
    try:
        wait_for_health(process, server.base_url, timeout=timeout)
    except BaseException:
        stop(process)
        raise
    return server


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    """Ask the server to stop (SIGTERM: gunicorn finishes the requests in flight), and kill
    it if it has not stopped within `timeout`."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)
