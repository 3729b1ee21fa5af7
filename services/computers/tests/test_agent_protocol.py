"""The agent conversation on the bytes the real agents sent (tests/data/agents/wire)."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest

from shopdb_computers.agents import protocol
from shopdb_contract.errors import ValidationProblem

WIRE = Path(__file__).resolve().parent / "data" / "agents" / "wire"
AGENT_ID = "4c650ce8-ee81-11f1-9503-fd0c741a81d9"
FUSION = {"Content-Type": "application/x-compress-zlib", "User-Agent": "FusionInventory-Agent_v2.6-3"}
OCS = {"Content-Type": "application/x-compress", "User-Agent": "OCS-NG_unified_unix_agent_v2.10.0"}
GLPI = {"Content-Type": "application/x-compress-zlib", "User-Agent": "GLPI-Agent_v1.12-dev", "GLPI-Agent-ID": AGENT_ID}
PROLOG_REPLY = b'<?xml version="1.0" encoding="UTF-8"?>\n<REPLY><PROLOG_FREQ>24</PROLOG_FREQ><RESPONSE>SEND</RESPONSE></REPLY>\n'
INVENTORY_REPLY = b'<?xml version="1.0" encoding="UTF-8"?>\n<REPLY><RESPONSE>no_account_update</RESPONSE></REPLY>\n'


def wire(name: str) -> bytes:
    return (WIRE / name).read_bytes()


@pytest.mark.parametrize(("name", "headers"), [("fusioninventory-prolog.zlib", FUSION), ("ocsinventory-prolog.zlib", OCS)])
def test_xml_prolog_is_answered_send_compressed_like_the_request(name, headers):
    reply = protocol.handle(wire(name), headers)
    assert (reply.kind, reply.status, reply.content_type, reply.records) == ("prolog", 200, "application/x-compress-zlib", ())
    assert zlib.decompress(reply.body) == PROLOG_REPLY


def test_plain_xml_prolog_gets_a_plain_answer():
    reply = protocol.handle(zlib.decompress(wire("fusioninventory-prolog.zlib")), {"User-Agent": FUSION["User-Agent"]})
    assert (reply.content_type, reply.body) == ("application/xml", PROLOG_REPLY)


@pytest.mark.parametrize(("name", "headers", "source"), [
    ("fusioninventory-inventory.zlib", FUSION, "fusioninventory-xml"),
    ("ocsinventory-inventory.zlib", OCS, "ocs-xml"),
])
def test_xml_inventory_gives_the_record_and_the_reply(name, headers, source):
    reply = protocol.handle(wire(name), headers)
    assert (reply.kind, reply.status, reply.content_type) == ("inventory", 200, "application/x-compress-zlib")
    assert zlib.decompress(reply.body) == INVENTORY_REPLY
    (record,) = reply.records
    assert record["hostname"] == "vm" and record["source"]["format"] == source
    assert record["source"]["agent"].startswith(("FusionInventory-Agent_v2.6-3", "OCS-NG_unified_unix_agent_v2.10.0"))
    assert len(record["software"]) > 800


def test_glpi_agent_prolog_is_answered_in_json_to_switch_it_to_its_protocol():
    reply = protocol.handle(wire("glpi-agent-prolog.zlib"), GLPI)
    assert (reply.kind, reply.content_type, json.loads(reply.body)) == ("prolog", "application/json", {"status": "ok", "expiration": 24})


def test_glpi_agent_contact_is_told_only_inventory_is_served():
    reply = protocol.handle(wire("glpi-agent-contact.zlib"), GLPI)
    assert reply.kind == "contact" and reply.records == ()
    assert json.loads(reply.body) == {
        "status": "ok", "expiration": 24, "tasks": {"inventory": {"server": "glpi", "version": "1.0"}},
    }
    message = json.loads(zlib.decompress(wire("glpi-agent-contact.zlib")))
    message["enabled-tasks"] = ["deploy", "inventory", "netinventory"]
    answer = json.loads(protocol.handle(json.dumps(message).encode(), GLPI).body)
    assert answer["disabled"] == ["deploy", "netinventory"]


def test_glpi_agent_inventory_carries_its_persistent_agent_id():
    reply = protocol.handle(wire("glpi-agent-inventory.zlib"), GLPI)
    assert (reply.kind, reply.content_type, json.loads(reply.body)) == ("inventory", "application/json", {"status": "ok", "expiration": 24})
    (record,) = reply.records
    assert record["identity"]["agent_id"] == AGENT_ID and record["source"]["agent"] == "GLPI-Agent_v1.12-dev"
    assert record["partial"] is False and len(record["software"]) > 800


def test_glpi_agent_partial_inventory_is_marked_partial():
    (record,) = protocol.handle(wire("glpi-agent-inventory-partial.zlib"), GLPI).records
    assert record["partial"] is True and "software" not in record["fields"]


def test_the_answer_hours_can_be_set():
    reply = protocol.handle(wire("ocsinventory-prolog.zlib"), OCS, hours=6)
    assert b"<PROLOG_FREQ>6</PROLOG_FREQ>" in zlib.decompress(reply.body)


@pytest.mark.parametrize(("body", "field"), [
    (b'<?xml version="1.0"?><REQUEST><QUERY>SNMPQUERY</QUERY></REQUEST>', "QUERY"),
    (b'{"action": "netinventory", "content": {}}', "action"),
    (b'{"action": "inventory", "itemtype": "Printer", "content": {"hardware": {"name": "p1"}}}', "itemtype"),
    (b'[1, 2]', "action"),
])
def test_what_is_not_a_computer_inventory_is_refused_naming_the_field(body, field):
    with pytest.raises(ValidationProblem) as refused:
        protocol.handle(body, GLPI)
    problem = refused.value.to_problem()
    assert problem["status"] == 422 and problem["errors"][0]["field"] == field
    # GLPI Agent logs a JSON answer's `message`.
    assert problem["message"] == problem["detail"]
