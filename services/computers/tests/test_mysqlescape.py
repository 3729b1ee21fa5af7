"""The faster PyMySQL escaping gives PyMySQL's answer for every string."""

from __future__ import annotations

import random

from pymysql import converters

from shopdb_computers import mysqlescape


def pymysql_escape(value: str) -> str:
    return value.translate(converters._escape_table)


def test_same_answer_as_pymysql_short_and_long():
    rng = random.Random(5)
    alphabet = [chr(c) for c in range(128)] + ["é", "\u2028", "😀", "\\0", "\\\\"]
    for length in (0, 1, 5, 255, 256, 257, 4000):
        for _ in range(20):
            value = "".join(rng.choice(alphabet) for _ in range(length))
            assert mysqlescape.escape_string(value) == pymysql_escape(value)


def test_installed_only_over_the_table_it_replaces():
    assert converters._escape_table == mysqlescape.TABLE
    assert mysqlescape.install() and converters.escape_string is mysqlescape.escape_string
