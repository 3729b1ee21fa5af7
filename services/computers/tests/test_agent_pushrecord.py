"""Agents' records as today's collector push record: valid under computers' manifest schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from shopdb_computers.agents import parse_inventory
from shopdb_computers.agents.pushrecord import push_record

TESTS = Path(__file__).resolve().parent
FIELDS = json.loads((TESTS.parent / "manifest.json").read_text())["collector"]["fields"]
SCHEMA = {"type": "object", "properties": FIELDS, "required": ["hostname"], "additionalProperties": False}
INVENTORIES = ["glpi-agent-1.12-dev.json", "fusioninventory-agent-2.6.xml", "ocsinventory-agent-2.10.0.xml",
               "published/glpi-inventory-format-computer_1.json", "published/glpi-inventory-format-windows.xml"]


@pytest.mark.parametrize("name", INVENTORIES)
def test_every_captured_inventory_is_a_valid_push_record(name):
    record = push_record(parse_inventory((TESTS / "data" / "agents" / name).read_bytes()))
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(record)
    assert record["applications"] and record["interfaces"] and record["memory_mb"] > 0


def test_the_fields_a_windows_pc_fills():
    record = push_record(parse_inventory((TESTS / "data" / "agents" / "published/glpi-inventory-format-windows.xml").read_bytes()))
    assert {k: v for k, v in record.items() if k not in ("applications", "interfaces")} == {
        "hostname": "pc-arg-23", "serialnumber": "CZC0479792", "osname": "Microsoft Windows 8.1 Professionnel",
        "osversion": "6.3.9600", "osbuild": "6.3.9600", "domain": "cedre.local", "lastuser": "cvigneron",
        "lastboot": "2017-05-15T09:23:09+02:00", "cpu": "Intel(R) Core(TM) i5 CPU M 540 @ 2.53GHz", "memory_mb": 3887,
        "disk_gb": 244, "source": "fusioninventory-xml",
    }
    assert {"name": "CCleaner", "version": "5.09", "publisher": "Piriform"} in record["applications"]


def test_boot_time_needs_the_machines_time_zone():
    record = push_record(parse_inventory((TESTS / "data" / "agents" / "published/glpi-inventory-format-computer_1.json").read_bytes()))
    assert record["lastboot"] == "2020-06-09T07:58:08+02:00"  # the laptop said CEST, +0200
