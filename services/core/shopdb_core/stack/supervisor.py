"""`shopdb up`: bring the whole stack up in the foreground, and down again on Ctrl-C or SIGTERM.

Order up: NATS, migrations and reference data, core, the enabled services (dependencies
first), Traefik. Order down is the reverse of what depends on what: services, Traefik, NATS.
Children run in their own session, so a Ctrl-C reaches only this supervisor, which then stops
them in that order instead of all of them dying at once.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass, field

from shopdb_contract.processes import ManagedProcess, free_port, nats_process, service_process, wait_http
from shopdb_core.stack import data
from shopdb_core.stack.gateway import GatewayConfig, write_gateway_config
from shopdb_core.stack.layout import Layout, Service, StackError, pid_alive, start_order
from shopdb_core.stack.settings import StackSettings
from shopdb_core.stack.state import LocalState

READY_TIMEOUT = 60.0
# A service drains its event relay on the way down; give it longer than the relay's own 10 s.
SERVICE_STOP_TIMEOUT = 15.0


class StopRequested(Exception):
    """Raised from the SIGINT/SIGTERM handler so start-up and the wait loop unwind to cleanup."""


def say(message: str) -> None:
    print(f"shopdb: {message}", flush=True)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def pick_port(preferred: int, taken: set[int]) -> int:
    """The preferred port when free, else any free one; never one handed out already."""
    port = preferred
    while port in taken or not port_is_free(port):
        port = free_port()
    taken.add(port)
    return port


def wait_tcp(host: str, port: int, process: ManagedProcess, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive:
            raise StackError(f"{process.describe()} before it listened\n{process.log_tail()}")
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise StackError(f"{process.name} did not listen on {host}:{port} within {timeout:.0f}s\n{process.log_tail()}")


@dataclass
class Stack:
    settings: StackSettings
    layout: Layout
    demo: bool = False
    only: list[str] | None = None  # --services: run these (and core) instead of the enabled ones
    host: str = "127.0.0.1"
    nats: ManagedProcess | None = None
    services: list[tuple[Service, ManagedProcess]] = field(default_factory=list)
    traefik: ManagedProcess | None = None
    urls: dict[str, str] = field(default_factory=dict)

    # -- choosing what runs -------------------------------------------------------------

    def chosen(self) -> list[Service]:
        known = self.layout.discover()
        if self.only is not None:
            unknown = [n for n in self.only if n not in known]
            if unknown:
                raise StackError(f"unknown service(s) {', '.join(unknown)}: the services here are {', '.join(sorted(known))}")
            names = ["core", *self.only]
        else:
            state = LocalState(self.layout.state_file)
            if state.is_new:
                # The first run of a checkout shows everything it has; from then on the site
                # chooses with `shopdb services enable|disable`.
                for name in sorted(n for n in known if n != "core"):
                    state.mark_installed(name)
                state.save()
                if state.enabled():
                    say(f"first run: enabling every service here ({', '.join(state.enabled())}); "
                        "`shopdb services disable NAME` turns one off")
            missing = [n for n in state.enabled() if n not in known]
            if missing:
                say(f"skipping enabled but missing service folder(s): {', '.join(missing)}")
            names = ["core", *(n for n in state.enabled() if n in known)]
        return start_order(known, list(dict.fromkeys(names)))

    # -- up ---------------------------------------------------------------------------

    def refuse_second_supervisor(self) -> None:
        try:
            running = json.loads(self.layout.running_file.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return
        if pid_alive(int(running.get("pid", 0))) and running.get("pid") != os.getpid():
            raise StackError(
                f"a stack already runs on {self.layout.var_dir} (pid {running['pid']}, "
                f"gateway {running.get('gateway_url')}); stop it first"
            )

    def start(self) -> None:
        self.layout.prepare()
        self.refuse_second_supervisor()
        services = self.chosen()
        data.check_separate_databases([s.name for s in services], self.settings)

        gateway_port = self.settings.gateway_port
        if not port_is_free(gateway_port, self.host):
            raise StackError(f"gateway port {gateway_port} is taken: stop what uses it or set SHOPDB_GATEWAY_PORT / --port")
        taken = {gateway_port}

        nats_url = self.start_nats(taken)
        urls = {s.name: data.database_url(s.name, self.settings, self.layout) for s in services}
        self.prepare_data(services, urls)

        core_port = pick_port(self.settings.core_port, taken)
        core_url = f"http://{self.host}:{core_port}"
        common = {
            "SHOPDB_ENV": self.settings.env,
            "SHOPDB_CORE_URL": core_url,
            "SHOPDB_NATS_URL": nats_url,
            "SHOPDB_VAR_DIR": str(self.layout.var_dir),
            "SHOPDB_GATEWAY_TOKEN": self.settings.gateway_token.get_secret_value(),
            "SHOPDB_REGISTRATION_SECRET": self.settings.registration_secret.get_secret_value(),
        }
        self.start_services(services, urls, common, core_port, taken)
        self.start_traefik(core_url, gateway_port, common, taken)
        self.urls.update(core=core_url, nats=nats_url)
        self.write_running_file()

    def prepare_data(self, services: list[Service], urls: dict[str, str]) -> None:
        for service in services:
            migrated = data.migrate(service, urls[service.name])
            say(f"{service.name}: " + ("migrations applied" if migrated else "no migrations"))
        say("seeding reference data" + (" and demo data" if self.demo else ""))
        data.seed(urls["core"], demo=self.demo)
        self.ensure_admin(urls["core"])

    def ensure_admin(self, core_url: str) -> None:
        """A new site gets an `admin` at once, so its first user can log in."""
        from shopdb_core.identity.accounts import ensure_first_admin

        password = self.settings.admin_password.get_secret_value() if self.settings.admin_password else None
        first = ensure_first_admin(core_url, password=password)
        if first is None:
            return
        if first.generated_password:
            # Printed once to the person starting the site, never logged, never stored in clear.
            print(
                f"\ncreated the first admin: username {first.username!r}, password {first.generated_password}\n"
                "  (shown only now: log in and change it, or set SHOPDB_ADMIN_PASSWORD before the first start)\n",
                flush=True,
            )
        else:
            say(f"created the first admin {first.username!r} with the password from SHOPDB_ADMIN_PASSWORD")

    def start_services(
        self, services: list[Service], urls: dict[str, str], common: dict[str, str], core_port: int, taken: set[int]
    ) -> None:
        """One at a time in start order: a service registers at start-up, after what it needs."""
        next_port = self.settings.services_first_port
        for service in services:
            port = core_port if service.name == "core" else pick_port(next_port, taken)
            next_port += 1
            base_url = f"http://{self.host}:{port}"
            env = {**common, "SHOPDB_BASE_URL": base_url, "SHOPDB_DATABASE_URL": urls[service.name]}
            process = service_process(
                service.directory, port=port, env=env, host=self.host,
                log_path=self.layout.log_dir / f"{service.name}.log",
            ).start()
            self.services.append((service, process))
            say(f"starting {service.name} on {base_url} (log {process.log_path})")
            # /readyz: the app is up and its database answers; a refused service exits here.
            wait_http(f"{base_url}/readyz", timeout=READY_TIMEOUT, process=process)

    def start_nats(self, taken: set[int]) -> str:
        if self.settings.nats_url:
            say(f"using NATS at {self.settings.nats_url} (SHOPDB_NATS_URL)")
            return self.settings.nats_url
        port = pick_port(self.settings.nats_port, taken)
        self.nats = nats_process(
            port=port, host=self.host, store_dir=self.layout.nats_dir, log_path=self.layout.log_dir / "nats.log"
        ).start()
        say(f"starting nats-server on {self.host}:{port} (JetStream data in {self.layout.nats_dir})")
        wait_tcp(self.host, port, self.nats)
        return f"nats://{self.host}:{port}"

    def start_traefik(self, core_url: str, gateway_port: int, env: dict[str, str], taken: set[int]) -> None:
        ping_port = pick_port(gateway_port + 1, taken)
        config = write_gateway_config(
            GatewayConfig(
                directory=self.layout.gateway_dir,
                gateway_port=gateway_port,
                ping_port=ping_port,
                core_url=core_url,
                gateway_token=self.settings.gateway_token.get_secret_value(),
                log_dir=self.layout.log_dir,
                host=self.host,
            )
        )
        self.traefik = ManagedProcess(
            "traefik", config.command, env={**os.environ, **env, **config.env},
            log_path=self.layout.log_dir / "traefik.log",
        ).start()
        gateway_url = f"http://{self.host}:{gateway_port}"
        say(f"starting traefik on {gateway_url} (log {self.traefik.log_path})")
        # The JWKS is one of core's open paths: it answers through the gateway before any login.
        wait_http(f"{gateway_url}/api/auth/jwks.json", timeout=READY_TIMEOUT, process=self.traefik)
        self.urls.update(gateway=gateway_url, docs=f"{gateway_url}/api/docs", ping=config.ping_url)

    def write_running_file(self) -> None:
        running = {
            "pid": os.getpid(),
            "gateway_url": self.urls["gateway"],
            "core_url": self.urls["core"],
            "nats_url": self.urls["nats"],
            "services": {s.name: p.pid for s, p in self.services},
            "processes": {p.name: p.pid for p in self.processes()},
        }
        self.layout.running_file.write_text(json.dumps(running, indent=2) + "\n", encoding="utf-8")

    def print_urls(self) -> None:
        names = ", ".join(s.name for s, _ in self.services)
        print(
            "\nShopDB is up.\n"
            f"  gateway       {self.urls['gateway']}\n"
            f"  API docs      {self.urls['docs']}\n"
            f"  services      {self.urls['gateway']}/api/services   ({names})\n"
            f"  traefik ping  {self.urls['ping']}\n"
            f"  data          {self.layout.var_dir}\n"
            f"  logs          {self.layout.log_dir}\n"
            "Press Ctrl-C to stop.\n",
            flush=True,
        )

    # -- running and down ------------------------------------------------------------

    def processes(self) -> list[ManagedProcess]:
        return [p for p in [self.nats, *(p for _, p in self.services), self.traefik] if p is not None]

    def watch(self) -> None:
        """Stay in the foreground; a child that dies on its own brings the stack down loudly."""
        while True:
            for process in self.processes():
                if not process.alive:
                    raise StackError(f"{process.describe()} unexpectedly\n{process.log_tail()}")
            time.sleep(0.5)

    def stop(self) -> None:
        # Services first (they may flush events to NATS), then the door, then NATS.
        for service, process in reversed(self.services):
            self._stop(process, SERVICE_STOP_TIMEOUT)
        if self.traefik:
            self._stop(self.traefik)
        if self.nats:
            self._stop(self.nats)
        if self.layout.running_file.exists():
            try:
                running = json.loads(self.layout.running_file.read_text(encoding="utf-8"))
            except ValueError:
                running = {}
            if running.get("pid") in (os.getpid(), None):
                self.layout.running_file.unlink(missing_ok=True)

    def _stop(self, process: ManagedProcess, timeout: float = 10.0) -> None:
        if process.popen is None:
            return
        was_alive = process.alive
        code = process.stop(timeout=timeout)
        if was_alive:
            # uvicorn re-raises the SIGTERM it handled, so -15 is a clean stop too.
            how = f"signal {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit {code}"
            say(f"stopped {process.name} ({how})")


def run(stack: Stack) -> int:
    """Start, print the URLs, wait for a signal, stop. The exit code says how it ended."""

    def on_signal(signum, _frame):
        # Later signals while stopping are ignored: the stop order must finish.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise StopRequested(signal.Signals(signum).name)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    code = 0
    try:
        stack.start()
        stack.print_urls()
        stack.watch()
    except StopRequested as exc:
        say(f"{exc}: stopping")
    except (StackError, TimeoutError, RuntimeError) as exc:
        print(f"shopdb: {exc}", file=sys.stderr, flush=True)
        code = 1
    except Exception as exc:  # anything else (a failed migration, say): still stop the children
        print(f"shopdb: start-up failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if code == 0:
        say("stopped; data kept in " + str(stack.layout.var_dir))
    return code
