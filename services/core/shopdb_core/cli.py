"""The `shopdb` command: run the local stack and look after each service's data.

  shopdb up [--demo] [--port 8080] [--services a,b]
  shopdb migrate [service ...]
  shopdb seed [--demo]
  shopdb services list | install NAME | enable NAME | disable NAME | uninstall NAME [--yes]
  shopdb user create [--admin | --role ROLE] [--username NAME] [--password-stdin]

Settings come from the environment (prefix SHOPDB_) and ./.env; data and logs live under
./var (SHOPDB_VAR_DIR).
"""

from __future__ import annotations

import argparse
import sys

from shopdb_core.stack.layout import Layout, StackError
from shopdb_core.stack.settings import StackSettings


def _services_arg(value: str) -> list[str]:
    return [name.strip() for name in value.split(",") if name.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shopdb", description="ShopDB: the asset database of a manufacturing site.")
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="run the whole stack in the foreground (Ctrl-C stops it)")
    up.add_argument("--demo", action="store_true", help="also seed a demo site with assets on the map")
    up.add_argument("--port", type=int, help="gateway port (default SHOPDB_GATEWAY_PORT or 8080)")
    up.add_argument("--services", type=_services_arg, help="run these services (comma-separated) instead of the enabled ones")

    migrate = commands.add_parser("migrate", help="apply migrations (default: core and the enabled services)")
    migrate.add_argument("names", nargs="*", metavar="service")

    seed = commands.add_parser("seed", help="seed core's reference data")
    seed.add_argument("--demo", action="store_true", help="also seed a demo site")

    services = commands.add_parser("services", help="the services this site runs")
    actions = services.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="local services, enabled state and registry status")
    for action, text in (
        ("install", "migrate its database and enable it"),
        ("enable", "route it again (and start it with the next `shopdb up`)"),
        ("disable", "stop routing it (its data stays)"),
        ("uninstall", "disable it and drop its data"),
    ):
        sub = actions.add_parser(action, help=text)
        sub.add_argument("name")
        if action == "uninstall":
            sub.add_argument("--yes", action="store_true", help="do not ask before dropping the data")
    user = commands.add_parser("user", help="user accounts in core")
    user_actions = user.add_subparsers(dest="action", required=True)
    create = user_actions.add_parser("create", help="create a user (asks for what is not given)")
    create.add_argument("--admin", action="store_true", help="make an administrator (same as --role admin)")
    create.add_argument("--role", choices=("viewer", "editor", "admin"), default="viewer")
    create.add_argument("--username", help="the login name (asked for when not given)")
    create.add_argument(
        "--password-stdin", action="store_true",
        help="read the password from the first line of stdin (else SHOPDB_ADMIN_PASSWORD for --admin, else asked)",
    )
    return parser


def ask_credentials(args, settings: StackSettings) -> tuple[str, str]:
    """Username and password from the arguments, stdin, the environment or a terminal prompt."""
    import getpass

    interactive = sys.stdin.isatty()
    username = args.username
    if not username:
        if not interactive:
            raise StackError("give --username when not running in a terminal")
        username = input("username: ").strip()
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif args.admin and settings.admin_password:
        password = settings.admin_password.get_secret_value()
    elif interactive:
        password = getpass.getpass("password: ")
        if getpass.getpass("password again: ") != password:
            raise StackError("the passwords differ")
    else:
        raise StackError("give the password with --password-stdin (or SHOPDB_ADMIN_PASSWORD with --admin)")
    if not username or not password:
        raise StackError("a username and a password are needed")
    return username, password


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = StackSettings()
    if getattr(args, "port", None):
        settings.gateway_port = args.port
    layout = Layout.from_settings(settings)
    try:
        if args.command == "up":
            from shopdb_core.stack.supervisor import Stack, run

            return run(Stack(settings=settings, layout=layout, demo=args.demo, only=args.services))
        from shopdb_core.stack import commands

        if args.command == "migrate":
            return commands.migrate(settings, layout, args.names)
        if args.command == "seed":
            return commands.seed(settings, layout, demo=args.demo)
        if args.command == "user":
            username, password = ask_credentials(args, settings)
            role = "admin" if args.admin else args.role
            return commands.create_user(settings, layout, username=username, password=password, role=role)
        if args.action == "list":
            return commands.list_services(settings, layout)
        if args.action == "install":
            return commands.install(settings, layout, args.name)
        if args.action in ("enable", "disable"):
            return commands.set_enabled(settings, layout, args.name, args.action == "enable")
        return commands.uninstall(settings, layout, args.name, assume_yes=args.yes)
    except StackError as exc:
        print(f"shopdb: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
