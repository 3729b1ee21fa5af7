"""Audit deltas between two records of a real inventory (tests/data/agents)."""

from __future__ import annotations

import copy
from pathlib import Path

import orjson

from shopdb_computers.agents import parse_inventory
from shopdb_computers.agents.delta import MAX_ITEMS, record_delta

DATA = Path(__file__).resolve().parent / "data" / "agents"


def record() -> dict:
    return parse_inventory((DATA / "fusioninventory-agent-2.6.xml").read_bytes())


def test_the_same_inventory_has_no_changes():
    assert record_delta(record(), record()) == {}


def test_one_package_upgrade_is_one_changed_item_not_two_lists():
    before = record()
    after = copy.deepcopy(before)
    openssl = next(s for s in after["software"] if s["name"] == "openssl")
    old_version, openssl["version"] = openssl["version"], "3.0.99-1"
    changes = record_delta(before, after)
    assert changes == {"software": {
        "changed": [{"key": {"name": "openssl", "arch": openssl["arch"]}, "changes": {"version": {"from": old_version, "to": "3.0.99-1"}}}],
        "changed_count": 1,
    }}
    # The whole list is ~87 KB as JSON; the change is ~150 bytes.
    assert len(orjson.dumps(changes)) < 300 < len(orjson.dumps(before["software"])) // 100


def test_added_removed_and_scalar_changes():
    before = record()
    after = copy.deepcopy(before)
    removed = after["software"].pop(0)
    after["software"].append({"name": "zz-new-tool", "version": "1.0"})
    after["memory_mb"] = 32768
    after["os"]["version"] = "12.12"
    changes = record_delta(before, after)
    assert changes["software"] == {"added": [{"name": "zz-new-tool", "version": "1.0"}], "added_count": 1,
                                   "removed": [removed], "removed_count": 1}
    assert changes["memory_mb"] == {"from": 24105, "to": 32768}
    assert changes["os"] == {"version": {"from": "12.11", "to": "12.12"}}


def test_a_partial_record_changes_only_what_it_carries():
    before = record()
    partial = {"hostname": "vm", "memory_mb": 16384, "partial": True, "fields": ["hostname", "memory_mb"], "source": {}}
    assert record_delta(before, partial) == {"memory_mb": {"from": 24105, "to": 16384}}


def test_a_large_delta_keeps_counts_and_the_first_items():
    before = record()
    after = copy.deepcopy(before)
    after["software"] = []
    delta = record_delta(before, after)["software"]
    assert delta["removed_count"] == len(before["software"]) > MAX_ITEMS
    assert len(delta["removed"]) == MAX_ITEMS
