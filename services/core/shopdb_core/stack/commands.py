"""The `shopdb` commands other than `up`: migrate, seed and the local service registry.

Each works whether or not a stack is running; when core answers, it is told as well, so the
gateway follows at once instead of at the next start.
"""

from __future__ import annotations

import sys

from shopdb_contract.errors import ProblemError

from shopdb_core.stack import data
from shopdb_core.stack.core_client import CoreClient
from shopdb_core.stack.layout import Layout, StackError
from shopdb_core.stack.settings import StackSettings
from shopdb_core.stack.state import LocalState


def out(message: str) -> None:
    print(message, flush=True)


def migrate(settings: StackSettings, layout: Layout, names: list[str]) -> int:
    known = layout.discover()
    if not names:
        names = ["core", *(n for n in LocalState(layout.state_file).enabled() if n in known)]
    for name in names:
        if name not in known:
            raise StackError(f"unknown service {name!r}: the services here are {', '.join(sorted(known))}")
    data.check_separate_databases(names, settings)
    for name in names:
        url = data.database_url(name, settings, layout)
        out(f"{name}: " + ("migrated" if data.migrate(known[name], url) else "no migrations"))
    return 0


def seed(settings: StackSettings, layout: Layout, *, demo: bool) -> int:
    data.migrate(layout.service("core"), data.database_url("core", settings, layout))
    data.seed(data.database_url("core", settings, layout), demo=demo)
    out("core: reference data seeded" + (" with the demo site" if demo else ""))
    return 0


def _domain_service(layout: Layout, name: str):
    if name == "core":
        raise StackError("core is always on; it cannot be installed, enabled, disabled or uninstalled")
    return layout.service(name)


def list_services(settings: StackSettings, layout: Layout) -> int:
    known = layout.discover()
    state = LocalState(layout.state_file)
    core = CoreClient.connect(layout, data.database_url("core", settings, layout))
    registry: dict[str, dict] = {}
    if core:
        try:
            registry = core.registry()
        finally:
            core.close()
    rows = [("SERVICE", "VERSION", "INSTALLED", "ENABLED", "REGISTRY")]
    for name in sorted(set(known) | set(state.installed())):
        service = known.get(name)
        version = service.manifest.version if service else "(folder missing)"
        installed = "always" if name == "core" else ("yes" if name in state.installed() else "no")
        enabled = "yes" if state.is_enabled(name) else "no"
        entry = registry.get(name)
        if not core:
            status = "core not running"
        elif not entry:
            status = "not registered"
        else:
            status = entry.get("status", "registered") + (", routed" if entry.get("routed") else "")
        rows.append((name, version, installed, enabled, str(status)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        out("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return 0


def install(settings: StackSettings, layout: Layout, name: str) -> int:
    service = _domain_service(layout, name)
    data.migrate(service, data.database_url(name, settings, layout))
    state = LocalState(layout.state_file)
    state.mark_installed(name)
    state.save()
    out(f"{name}: migrated and enabled")
    _tell_core(settings, layout, name, True, started_hint=True)
    return 0


def set_enabled(settings: StackSettings, layout: Layout, name: str, enabled: bool) -> int:
    _domain_service(layout, name)
    state = LocalState(layout.state_file)
    state.set_enabled(name, enabled)
    state.save()
    out(f"{name}: {'enabled' if enabled else 'disabled'} locally")
    return 0 if _tell_core(settings, layout, name, enabled, started_hint=enabled) else 1


def uninstall(settings: StackSettings, layout: Layout, name: str, *, assume_yes: bool) -> int:
    _domain_service(layout, name)
    url = data.database_url(name, settings, layout)
    if not assume_yes:
        if not sys.stdin.isatty():
            raise StackError(f"uninstalling {name} drops its data; pass --yes to confirm without a terminal")
        answer = input(f"Drop all data of {name} ({_shown(url)})? Type the service name to confirm: ")
        if answer.strip() != name:
            out("not confirmed; nothing changed")
            return 1
    _tell_core(settings, layout, name, False, started_hint=False)
    state = LocalState(layout.state_file)
    state.forget(name)
    state.save()
    out(f"{name}: {data.drop_data(url)}; uninstalled")
    return 0


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _tell_core(settings: StackSettings, layout: Layout, name: str, enabled: bool, *, started_hint: bool) -> bool:
    core = CoreClient.connect(layout, data.database_url("core", settings, layout))
    if core is None:
        if started_hint:
            out(f"{name}: core is not running; `shopdb up` starts it")
        return True
    try:
        ok, message = core.set_enabled(name, enabled)
    finally:
        core.close()
    out(message)
    if ok and started_hint:
        out(f"{name}: restart `shopdb up` to start its process if it is not running yet")
    return ok


def create_user(settings: StackSettings, layout: Layout, *, username: str, password: str, role: str) -> int:
    """Make a user in core's database (migrated first), e.g. the runbook's "create admin" step."""
    from shopdb_core.identity.accounts import create_account

    url = data.database_url("core", settings, layout)
    data.migrate(layout.service("core"), url)
    try:
        create_account(url, username=username, password=password, role=role)
    except ProblemError as exc:
        raise StackError(exc.detail) from exc
    out(f"created {role} {username!r}")
    return 0
