"""Cleaning one value an agent reported: text cut to its column, numbers, dates, flags, addresses.

Agents report what the operating system says, placeholders included ("To Be Filled By O.E.M.",
an all-zero UUID, "1970-01-01"): a placeholder is no value, so it can never match another PC's.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import date, datetime
from typing import Any

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_MAC = re.compile(r"^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$")

# What firmware and agents put where the real value is missing (lower case, compared trimmed).
PLACEHOLDERS = frozenset({
    "", "none", "null", "n/a", "na", "unknown", "not specified", "not applicable", "not available",
    "to be filled by o.e.m.", "to be filled by oem", "default string", "system serial number",
    "system product name", "system manufacturer", "system version", "o.e.m.", "oem", "chassis serial number",
    "base board serial number", "invalid", "empty", "0", "none (none)", "123456789", "0123456789",
})
# The UUIDs many boards ship (SMBIOS left unset): never an identity.
BOGUS_UUIDS = frozenset({
    "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "03000200-0400-0500-0006-000700080009", "00020003-0004-0005-0006-000700080009",
    "12345678-1234-5678-90ab-cddeefaabbcc",
})


def text(raw: Any, limit: int) -> str | None:
    """One line of text at most `limit` characters, control characters made spaces; None if empty."""
    if raw is None or isinstance(raw, (dict, list)):
        return None
    value = _CONTROL.sub(" ", str(raw)).strip()
    if value.lower() in PLACEHOLDERS:
        return None
    return value[:limit].rstrip() or None


def number(raw: Any) -> float | None:
    """The leading number of `raw` ("1333 MHz", "274877.906944", 2300); None without one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return float(raw)
    if isinstance(raw, str):
        match = _NUMBER.match(raw)
        if match:
            return float(match.group(1))
    return None


def integer(raw: Any, *, maximum: int = 2**31 - 1) -> int | None:
    """A whole number within 0..maximum (a 32-bit column's range by default); None otherwise."""
    value = number(raw)
    if value is None or value < 0 or value > maximum:
        return None
    return int(round(value))


def flag(raw: Any) -> bool | None:
    """The agents' booleans: JSON true/false, XML "1"/"0", "yes"/"no", "on"/"off", "enabled"."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)):
        return bool(raw)
    if isinstance(raw, str):
        value = raw.strip().lower()
        if value in {"1", "yes", "true", "on", "enabled", "up"}:
            return True
        if value in {"0", "no", "false", "off", "disabled", "down"}:
            return False
    return None


def _valid_date(year: int, month: int, day: int) -> date | None:
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    # The epoch is what an agent says when it does not know (OCS even writes 1970-00-01).
    return found if found.year > 1970 else None


def day(raw: Any, *, month_first: bool = False) -> str | None:
    """An ISO date (YYYY-MM-DD) from the agents' formats; `month_first` reads n/n/yyyy as
    SMBIOS does (BIOS dates), otherwise as Windows' installer dates are (dd/mm/yyyy)."""
    if not isinstance(raw, str):
        return None
    value = raw.strip()
    match = re.match(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", value)
    if match:
        found = _valid_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        return found.isoformat() if found else None
    match = re.match(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$", value)
    if match:
        first, second, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
        month, mday = (first, second) if month_first else (second, first)
        found = _valid_date(year, month, mday) or _valid_date(year, mday, month)
        return found.isoformat() if found else None
    return None


def moment(raw: Any) -> str | None:
    """An ISO date and time ("2026-12-02 18:33:22", "2015-04-17T03:02:45Z"); None otherwise."""
    if not isinstance(raw, str):
        return None
    value = raw.strip().replace("Z", "+00:00")
    match = re.match(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)([+-]\d{2}:?\d{2})?$", value)
    if not match:
        return None
    try:
        found = datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}{match.group(3) or ''}")
    except ValueError:
        return None
    return found.isoformat() if found.year > 1970 else None


_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_WEEKDAYS = {d: i for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}


def last_login(raw: Any, *, seen: str | None) -> str | None:
    """`last`'s date without a year ("Fri Jun 12 14:15") as an ISO time: the latest year, not
    after the inventory's own date (`seen`), whose calendar has that weekday on that day."""
    if not isinstance(raw, str):
        return None
    match = re.match(r"^\s*([A-Za-z]{3})\s+([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?", raw)
    if not match:
        return moment(raw)
    weekday, month = _WEEKDAYS.get(match.group(1).lower()), _MONTHS.get(match.group(2).lower())
    if weekday is None or month is None:
        return None
    now = datetime.fromisoformat(seen) if seen else datetime.now()
    for year in range(now.year, now.year - 8, -1):
        try:
            found = datetime(year, month, int(match.group(3)), int(match.group(4)), int(match.group(5)), int(match.group(6) or 0))
        except ValueError:
            continue
        if found.weekday() == weekday and found.replace(tzinfo=None) <= now.replace(tzinfo=None):
            return found.isoformat()
    return None


def hardware_uuid(raw: Any) -> str | None:
    """The SMBIOS system UUID in lower case, or None for a missing or well-known bogus one."""
    value = text(raw, 64)
    if value is None:
        return None
    value = value.lower()
    if not _UUID.match(value) or value in BOGUS_UUIDS or len(set(value.replace("-", ""))) == 1:
        return None
    return value


def serial(raw: Any, limit: int) -> str | None:
    value = text(raw, limit)
    # All zeros or one repeated character is firmware's way to say "not set".
    if value is None or len(set(value)) == 1:
        return None
    return value


def mac(raw: Any) -> str | None:
    value = text(raw, 32)
    if value is None:
        return None
    value = value.lower().replace("-", ":")
    return value if _MAC.match(value) else None


def address(raw: Any) -> str | None:
    """A valid IPv4 or IPv6 address in its canonical text, else None."""
    value = text(raw, 64)
    if value is None:
        return None
    try:
        return str(ipaddress.ip_address(value.split("%")[0]))
    except ValueError:
        return None


def addresses(raw: Any) -> list[str]:
    """Addresses written as one text ("10.0.0.1/10.0.0.2", "a, b") or a list."""
    items = raw if isinstance(raw, list) else re.split(r"[\s,;/]+", raw) if isinstance(raw, str) else []
    found = (address(item) for item in items)
    return list(dict.fromkeys(a for a in found if a))
