"""PyMySQL's string escaping with the same answer, several times faster on long strings.

PyMySQL escapes a str with `str.translate` and a table that maps seven characters to two.
CPython's translate leaves its fast path at the first such character, so a JSON document
(every one holds quotes) is escaped one character at a time through the table: on a
collector's first push that was the largest single cost on MariaDB (an application list and
an audit event of ~3.5 KB per PC, ~8 MB per batch of 1,000). Seven `str.replace` passes give
the same string and each stays in C. Short strings keep the table, which is quicker for them.

Installed once per process by computers' app; only if PyMySQL's table is the one this
replaces (an upgrade that changes it leaves PyMySQL's own function in place).
"""

from __future__ import annotations

from typing import Any

from pymysql import converters

_ESCAPES = {0: "\\0", ord("\\"): "\\\\", ord("\n"): "\\n", ord("\r"): "\\r", ord("\032"): "\\Z", ord('"'): '\\"', ord("'"): "\\'"}
TABLE = [_ESCAPES.get(code, chr(code)) for code in range(128)]
LONG = 256  # characters: from here the replace chain wins


def escape_string(value: str, mapping: Any = None) -> str:
    if len(value) < LONG:
        return value.translate(TABLE)
    # The backslash first, so that no escape added by a later pass is escaped again.
    return (
        value.replace("\\", "\\\\").replace("\0", "\\0").replace("\n", "\\n").replace("\r", "\\r")
        .replace("\032", "\\Z").replace("'", "\\'").replace('"', '\\"')
    )


def install() -> bool:
    """Use `escape_string` for PyMySQL's str escaping; False when PyMySQL's table differs."""
    if converters.escape_string is escape_string:
        return True
    if getattr(converters, "_escape_table", None) != TABLE:
        return False
    converters.escape_string = escape_string
    return True
