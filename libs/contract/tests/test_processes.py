"""The process helpers against real child processes: a tiny HTTP server, a stubborn sleeper, nats-server."""

from __future__ import annotations

import socket
import sys
import time

import pytest

from shopdb_contract.processes import ManagedProcess, free_port, nats_process, venv_binary, wait_http

SERVE_HTTP = "import http.server, sys; http.server.test(http.server.SimpleHTTPRequestHandler, port=int(sys.argv[1]), bind='127.0.0.1')"
IGNORE_SIGTERM = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(60)"


def test_free_port_can_be_bound():
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_venv_binary_finds_bundled_nats_and_refuses_unknown_names_with_a_hint():
    assert venv_binary("nats-server").endswith("nats-server")
    with pytest.raises(FileNotFoundError, match="not found"):
        venv_binary("no-such-binary-shopdb")


def test_wait_http_returns_once_the_process_serves(tmp_path):
    port = free_port()
    proc = ManagedProcess("http", [sys.executable, "-c", SERVE_HTTP, str(port)], cwd=tmp_path, log_path=tmp_path / "http.log")
    with proc:
        response = wait_http(f"http://127.0.0.1:{port}/", timeout=15, process=proc)
        assert response.status_code == 200
        assert proc.alive
    assert not proc.alive
    assert proc.returncode is not None


def test_wait_http_fails_fast_with_the_log_tail_when_the_process_died(tmp_path):
    proc = ManagedProcess(
        "broken", [sys.executable, "-c", "import sys; print('cannot open the database'); sys.exit(3)"],
        log_path=tmp_path / "broken.log",
    ).start()
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="cannot open the database"):
        wait_http(f"http://127.0.0.1:{free_port()}/", timeout=20, process=proc)
    assert time.monotonic() - started < 10
    assert proc.returncode == 3


def test_wait_http_timeout_names_the_url(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/healthz"
    with pytest.raises(TimeoutError, match="healthz"):
        wait_http(url, timeout=0.5)


def test_stop_kills_a_process_that_ignores_sigterm(tmp_path):
    proc = ManagedProcess("stubborn", [sys.executable, "-c", IGNORE_SIGTERM], log_path=tmp_path / "s.log").start()
    deadline = time.monotonic() + 10
    while "ready" not in proc.log_tail() and time.monotonic() < deadline:
        time.sleep(0.05)
    code = proc.stop(timeout=0.5)
    assert code == -9
    assert not proc.alive


def test_nats_process_accepts_clients_with_jetstream_enabled(tmp_path):
    port = free_port()
    proc = nats_process(port=port, store_dir=tmp_path / "nats", log_path=tmp_path / "nats.log").start()
    try:
        deadline = time.monotonic() + 10
        info = b""
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    info = sock.recv(4096)
                break
            except OSError:
                time.sleep(0.05)
        assert info.startswith(b"INFO ")
        assert b'"jetstream":true' in info
    finally:
        assert proc.stop() == 0
