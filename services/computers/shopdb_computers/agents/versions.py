"""A software version as text that sorts like the version, for "openssl < 3.0.15" in SQL.

Debian's ordering (dpkg's), which also covers the usual forms of other packagers: an epoch
(`1:`) first, then the upstream version, then the revision after the last `-`; each compared
as alternating runs of non-digits (character by character: `~` before the end, the end before
letters, letters before other characters) and digits (as numbers). So
`1.0~rc1` < `1.0` < `1.0-1` < `1.0a` < `1.0+dfsg` < `1.0.1`, and `1.10` > `1.9`.

The key is printable ASCII, so any collation sorts it: one character unit is two characters
(`00` tilde, `2x` letter x, `3x` other x), `1` ends a non-digit run, a digit run is 12 digits.
"""

from __future__ import annotations

import re

KEY_LENGTH = 200
_DIGITS = 12
_EPOCH = re.compile(r"^\s*(\d{1,9}):(.*)$")
_RUNS = re.compile(r"(\D*)(\d*)")
_EMPTY_RUN = "1" + "0" * _DIGITS  # no characters, then the number 0: what a missing part is


def _unit(char: str) -> str:
    if char == "~":
        return "00"
    return ("2" if char.isascii() and char.isalpha() else "3") + char


def _part(text: str) -> str:
    runs = []
    for letters, digits in _RUNS.findall(text):
        if not letters and not digits:
            continue
        number = min(int(digits or "0"), 10**_DIGITS - 1)
        runs.append("".join(_unit(c) for c in letters) + "1" + str(number).zfill(_DIGITS))
    # Trailing empty runs change nothing ("1.0" is "1.0" and "-0" is no revision); one ends every part.
    while runs and runs[-1] == _EMPTY_RUN:
        runs.pop()
    return "".join(runs) + _EMPTY_RUN


def version_key(version: str | None) -> str:
    """The sortable text of `version`; "" for no version (sorts first)."""
    if not version or not version.strip():
        return ""
    text = version.strip()
    match = _EPOCH.match(text)
    epoch, text = (int(match.group(1)), match.group(2)) if match else (0, text)
    upstream, dash, revision = text.rpartition("-")
    if not dash:
        upstream, revision = text, ""
    return (str(epoch).zfill(9) + _part(upstream) + _part(revision))[:KEY_LENGTH]
