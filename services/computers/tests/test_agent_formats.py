"""Inventories written by the real agents (tests/data/agents) read into computer records.

Each captured file is checked field by field against what its agent wrote; the published GLPI
examples cover what this test machine (a VM without DMI) cannot report: BIOS, hardware UUID,
memory modules, monitors, antivirus, users, encrypted volumes, drive letters.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import jsonschema
import pytest

from shopdb_computers.agents import limits, parse_inventory
from shopdb_computers.agents.normalize import FUSION_XML, GLPI_JSON, OCS_XML
from shopdb_contract.errors import BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationProblem

DATA = Path(__file__).resolve().parent / "data" / "agents"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def by(items: list[dict], key: str, value) -> dict:
    found = [i for i in items if i.get(key) == value]
    assert len(found) == 1, (key, value, items[:5])
    return found[0]


def test_captured_glpi_json_follows_the_published_schema():
    schema = json.loads(read("published/inventory.schema.json"))
    for name in ("glpi-agent-1.12-dev.json", "published/glpi-inventory-format-computer_1.json"):
        jsonschema.Draft7Validator(schema).validate(json.loads(read(name)))
    for name in ("wire/glpi-agent-inventory.zlib", "wire/glpi-agent-inventory-partial.zlib"):
        jsonschema.Draft7Validator(schema).validate(json.loads(zlib.decompress(read(name))))


def check_this_machine(record: dict) -> None:
    """What every agent found on the test machine (Debian 12, 2 AMD EPYC cores, one virtio disk)."""
    assert record["hostname"] == "vm"
    assert record["identity"]["device_id"].startswith("vm-2026-12-02-")
    assert "hardware_uuid" not in record["identity"]  # no DMI on this VM
    assert record["memory_mb"] == 24105
    assert record["cpu"]["model"] == "AMD EPYC" and record["cpu"]["manufacturer"] == "AMD"
    assert record["cpu"]["cores"] == 2 and record["cpu"]["sockets"] == 1
    assert record["disks"][0]["name"] == "vda" and record["disks"][0]["size_mb"] in (274877, 274878)
    assert [d["name"] for d in record["disks"]] == ["vda"]  # zram0 is memory, not a disk
    root = by(record["volumes"], "mount", "/")
    assert root["device"] == "/dev/vda" and root["filesystem"] == "ext4" and root["size_mb"] == 258019
    assert 0 < root["free_mb"] < root["size_mb"]
    eth0 = by(record["interfaces"], "name", "eth0")
    assert eth0["mac"] == "02:fc:00:00:00:01" and eth0["gateway"] == "192.0.2.1" and eth0["dhcp"] is False
    assert {"address": "192.0.2.2", "mask": "255.255.255.0"} in eth0["addresses"]
    assert {"address": "fe80::fc:ff:fe00:1", "mask": "ffff:ffff:ffff:ffff::"} in eth0["addresses"]
    assert record["dns_servers"] == ["10.255.255.53"] and record["default_gateway"] == "192.0.2.1"
    assert 800 < len(record["software"]) < 1000
    names = [s["name"] for s in record["software"]]
    assert names == sorted(names, key=str.lower)
    adduser = by(record["software"], "name", "adduser")
    assert adduser["version"] == "3.134" and adduser["arch"] == "all" and adduser["source"] == "deb"
    assert record["partial"] is False and record["notes"] == []


def test_glpi_agent_json_of_this_machine():
    record = parse_inventory(read("glpi-agent-1.12-dev.json"))
    check_this_machine(record)
    assert record["source"] == {"format": GLPI_JSON, "agent": "GLPI-Inventory_v1.12-dev", "inventoried": "2026-12-02T18:51:41"}
    assert record["os"] == {
        "name": "Debian GNU/Linux", "full_name": "Debian GNU/Linux 12 (bookworm)", "version": "12.11", "arch": "x86_64",
        "kernel_name": "linux", "kernel_version": "6.18.44-fc-v1045", "boot_time": "2026-12-02T18:33:22",
        "timezone_offset": "+00:00", "fqdn": "vm",
    }
    assert record["vm_system"] == "Docker" and record["virtual"] is True  # the agent's own guess
    assert by(record["software"], "name", "adduser")["publisher"] == "Debian"
    assert record["firewalls"] == [{"name": "firewalld", "status": "off"}]
    assert by(record["interfaces"], "name", "eth0")["type"] == "ethernet"
    # `last` said "wtmp begins …": no user, not a user called wtmp.
    assert record["users"] == []


def test_fusioninventory_xml_of_this_machine():
    record = parse_inventory(read("fusioninventory-agent-2.6.xml"))
    check_this_machine(record)
    assert record["source"]["format"] == FUSION_XML and record["source"]["agent"] == "FusionInventory-Inventory_v2.6-3"
    assert record["cpu"]["threads"] == 2
    assert record["os"]["full_name"] == "Debian GNU/Linux 12 (bookworm)" and record["os"]["version"] == "12.11"
    assert record["firewalls"] == [{"status": "off"}]
    assert by(record["software"], "name", "adduser")["publisher"] == "Debian"


def test_ocs_xml_of_this_machine():
    record = parse_inventory(read("ocsinventory-agent-2.10.0.xml"))
    check_this_machine(record)
    assert record["source"] == {"format": OCS_XML}
    assert record["vm_system"] == "Physical" and record["virtual"] is False
    assert record["cpu"]["threads"] == 2 and record["cpu"]["arch"] == "x86_64"
    assert record["os"] == {"name": "Debian GNU/Linux 12", "full_name": "Debian GNU/Linux 12", "version": "12", "domain": "WORKGROUP"}
    # OCS writes install dates as 2025/04/20 00:00:00.
    assert by(record["software"], "name", "adduser")["install_date"] == "2025-04-20"
    assert any(s.get("publisher") for s in record["software"])


def test_published_glpi_json_laptop_carries_bios_identity_memory_monitors_users():
    record = parse_inventory(read("published/glpi-inventory-format-computer_1.json"))
    assert record["hostname"] == "glpixps"
    assert record["identity"] == {"hardware_uuid": "4c4c4544-0034-3010-8048-b6c04f503732", "device_id": "glpixps-2018-07-09-09-07-13"}
    assert (record["vendor"], record["model"], record["serialnumber"]) == ("Dell Inc.", "XPS 13 9350", "640HP72")
    assert record["bios"] == {"vendor": "Dell Inc.", "version": "1.4.3", "date": "2016-02-06"}
    assert (record["chassis"], record["virtual"]) == ("Laptop", False)
    assert record["cpu"] == {"model": "Intel(R) Core(TM) i5-6200U CPU @ 2.30GHz", "manufacturer": "Intel", "sockets": 1,
                             "cores": 2, "threads": 4, "speed_mhz": 2300, "arch": "i386"}
    assert [m["serial"] for m in record["memory_modules"]] == ["12121212", "12161217"]
    assert record["memory_modules"][0] | {"serial": None} == {
        "slot": "System Board Memory", "capacity_mb": 4096, "type": "LPDDR3", "speed_mhz": 1867, "form_factor": "Chip",
        "manufacturer": "Elpida", "serial": None,
    }
    assert record["disks"] == [{"name": "nvme0n1", "model": "PM951 NVMe SAMSUNG 256GB", "manufacturer": "Samsung",
                                "serial": "S29NNXAH146409", "size_mb": 256060, "firmware": "BXV77D0Q"}]
    root = by(record["volumes"], "mount", "/")
    assert root == {"mount": "/", "device": "/dev/mapper/xps-root", "filesystem": "ext4", "size_mb": 40189, "free_mb": 11683,
                    "encrypted": True, "encryption": "LUKS1"}
    assert record["monitors"] == [{"name": "DJCP6", "manufacturer": "Sharp Corporation", "serial": "ABH55D", "description": "32/2015"}]
    # The last logged-in user with the time `last` gave without a year: 2020 has Fri Jun 12.
    assert record["users"] == [{"login": "root", "last_login": "2020-06-12T14:15:00", "last": True}, {"login": "trasher"}]
    assert by(record["software"], "name", "gitg") == {
        "name": "gitg", "version": "3.32.1-1.fc31", "publisher": "Fedora Project", "arch": "x86_64",
        "install_date": "2019-12-19", "source": "rpm",
    }
    assert record["firewalls"] == [{"status": "on"}]
    assert record["source"]["tag"] == "000005"


def test_published_windows_xml_carries_antivirus_letters_and_domain_users():
    record = parse_inventory(read("published/glpi-inventory-format-windows.xml"))
    assert record["hostname"] == "pc-arg-23" and record["source"]["format"] == FUSION_XML
    assert record["identity"]["hardware_uuid"] == "33e737a8-f827-11df-9297-47c0a301005a"
    assert (record["vendor"], record["model"], record["serialnumber"]) == ("Hewlett-Packard", "HP EliteBook 2540p", "CZC0479792")
    # SMBIOS dates are month first: 08/24/2010.
    assert record["bios"] == {"vendor": "Hewlett-Packard", "version": "68CSU Ver. F.06", "date": "2010-08-24", "asset_tag": "CZC0479792"}
    assert record["chassis"] == "Notebook"
    assert record["antivirus"] == [
        {"name": "Kaspersky Endpoint Security 10 for Windows", "enabled": True, "up_to_date": True},
        {"name": "Windows Defender", "enabled": True, "up_to_date": True},
    ]
    c = by(record["volumes"], "mount", "C:")
    assert c == {"mount": "C:", "device": "Systeme", "label": "Systeme", "filesystem": "NTFS", "size_mb": 115123, "free_mb": 71954}
    assert by(record["memory_modules"], "slot", "Bottom-Slot 1(left)")["speed_mhz"] == 1333
    assert by(record["monitors"], "name", "DELL 1707FP")["serial"] == "C975661HAB2R"
    assert record["users"] == [{"login": "cvigneron", "domain": "CEDRE", "last": True}]
    nic = by(record["interfaces"], "mac", "68:b5:99:e6:84:eb")
    assert nic["dhcp"] is True and nic["dhcp_server"] == "10.253.6.1" and nic["gateway"] == "10.253.6.1"
    assert nic["addresses"] == [{"address": "10.253.6.55", "mask": "255.255.255.0"}]
    # Windows' installer dates are day first: 11/09/2015.
    assert by(record["software"], "name", "CCleaner") == {
        "name": "CCleaner", "version": "5.09", "publisher": "Piriform", "arch": "x86_64", "install_date": "2015-09-11",
        "source": "registry",
    }
    assert record["os"]["install_date"] == "2015-04-17" and record["os"]["domain"] == "cedre.local"


def test_compressed_and_plain_give_the_same_record():
    plain = read("fusioninventory-agent-2.6.xml")
    record = parse_inventory(plain)
    assert parse_inventory(zlib.compress(plain)) == record
    assert parse_inventory(gzip.compress(plain)) == record


def test_the_order_an_agent_lists_things_in_does_not_change_the_record():
    message = json.loads(read("glpi-agent-1.12-dev.json"))
    shuffled = json.loads(read("glpi-agent-1.12-dev.json"))
    shuffled["content"]["softwares"].reverse()
    shuffled["content"]["networks"].reverse()
    assert parse_inventory(json.dumps(shuffled).encode()) == parse_inventory(json.dumps(message).encode())


def test_a_list_over_its_cap_is_kept_cut_with_a_note():
    message = json.loads(read("glpi-agent-1.12-dev.json"))
    cap = limits.LIST_CAPS["software"]
    message["content"]["softwares"] = [{"name": f"package-{i:05d}", "version": "1.0"} for i in range(cap + 500)]
    record = parse_inventory(json.dumps(message).encode())
    assert len(record["software"]) == cap and record["software"][-1]["name"] == f"package-{cap - 1:05d}"
    assert record["notes"] == [{"field": "software", "received": cap + 500, "kept": cap,
                                "message": f"software: {cap + 500:,} items reported, the first {cap:,} kept (the limit)"}]


def test_every_text_is_cut_to_its_column_and_control_characters_go():
    message = json.loads(read("glpi-agent-1.12-dev.json"))
    message["content"]["softwares"] = [{"name": "x" * 5000, "version": "1\x00.2\x1b[31m", "publisher": "p" * 900}]
    message["content"]["bios"] = {"smanufacturer": "V" * 300, "smodel": "M" * 300, "ssn": "S" * 50 + "T" * 250}
    record = parse_inventory(json.dumps(message).encode())
    item = record["software"][0]
    assert len(item["name"]) == limits.NAME and len(item["publisher"]) == limits.PUBLISHER
    assert item["version"] == "1 .2 [31m"
    assert len(record["vendor"]) == limits.VENDOR and len(record["model"]) == limits.MODEL
    assert len(record["serialnumber"]) == limits.SERIAL


def test_placeholders_are_no_value():
    message = json.loads(read("published/glpi-inventory-format-computer_1.json"))
    message["content"]["hardware"]["uuid"] = "03000200-0400-0500-0006-000700080009"
    message["content"]["bios"]["ssn"] = "To Be Filled By O.E.M."
    message["content"]["bios"]["smanufacturer"] = "System manufacturer"
    message["content"]["monitors"][0]["serial"] = "00000000"
    record = parse_inventory(json.dumps(message).encode())
    assert "hardware_uuid" not in record["identity"]
    assert record["serialnumber"] is None and record["vendor"] == "Dell Inc."  # the board's maker instead
    assert "serial" not in record["monitors"][0]


def test_partial_inventory_names_only_what_it_carries():
    record = parse_inventory(read("wire/glpi-agent-inventory-partial.zlib"))
    assert record["partial"] is True
    assert "software" not in record and "interfaces" not in record and "software" not in record["fields"]
    assert {"hostname", "identity", "memory_mb", "bios", "vendor"} <= set(record["fields"])
    assert record["hostname"] == "vm" and record["memory_mb"] == 24105


def test_hostname_must_be_a_host_name():
    message = json.loads(read("glpi-agent-1.12-dev.json"))
    message["content"]["hardware"]["name"] = "not a host name"
    with pytest.raises(ValidationProblem) as refused:
        parse_inventory(json.dumps(message).encode())
    assert refused.value.extensions["errors"][0]["field"] == "content.hardware.name"
    del message["content"]["hardware"]["name"]
    message["content"]["operatingsystem"]["fqdn"] = "pc-12.plant.example"
    assert parse_inventory(json.dumps(message).encode())["hostname"] == "pc-12"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<REQUEST><CONTENT><HARDWARE><NAME>&lol3;</NAME></HARDWARE></CONTENT><QUERY>INVENTORY</QUERY></REQUEST>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<REQUEST><CONTENT><HARDWARE><NAME>&x;</NAME></HARDWARE></CONTENT></REQUEST>"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY, zlib.compress(BILLION_LAUGHS)], ids=["entities", "external", "zlib"])
def test_hostile_xml_is_refused(body):
    with pytest.raises(BadRequestError) as refused:
        parse_inventory(body)
    assert "no DTDs or entities" in refused.value.detail


def test_deep_xml_is_refused():
    body = b"<REQUEST><CONTENT>" + b"<A>" * 50 + b"x" + b"</A>" * 50 + b"</CONTENT></REQUEST>"
    with pytest.raises(BadRequestError, match="deeper than"):
        parse_inventory(body)


def test_a_zlib_bomb_stops_at_the_decompressed_limit():
    bomb = zlib.compress(b"<" + b" " * (limits.MAX_DOCUMENT_BYTES + 10), 9)
    assert len(bomb) < 100_000
    with pytest.raises(PayloadTooLargeError) as refused:
        parse_inventory(bomb)
    assert refused.value.status == 413 and refused.value.extensions["limit"] == limits.MAX_DOCUMENT_BYTES


def test_a_body_over_the_request_limit_is_413():
    with pytest.raises(PayloadTooLargeError) as refused:
        parse_inventory(b"{" + b" " * limits.MAX_BODY_BYTES + b"}")
    assert refused.value.extensions["limit"] == limits.MAX_BODY_BYTES


@pytest.mark.parametrize(("body", "error"), [
    (b"name=pc-1", UnsupportedMediaTypeError),
    (zlib.compress(b"<REQUEST>")[:-6], BadRequestError),
    (b"<REQUEST><CONTENT>", BadRequestError),
    (b'{"content": ', BadRequestError),
    (b'{"deviceid": "x"}', ValidationProblem),
    (b'[{"content": {}}]', ValidationProblem),
    (b"<OTHER/>", ValidationProblem),
], ids=["form", "truncated-zlib", "unclosed-xml", "bad-json", "no-content", "json-list", "not-request"])
def test_what_is_not_an_inventory_is_refused_clearly(body, error):
    with pytest.raises(error):
        parse_inventory(body)
