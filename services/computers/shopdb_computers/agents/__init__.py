"""Inventory agents' own formats read into computer records: GLPI Agent's JSON inventory,
FusionInventory's and OCS Inventory's XML, plain or compressed as the agents send them.

- `parse_inventory(body)`: one inventory file or body into one record;
- `protocol.handle(body, headers)`: one agent request into the records and the answer it expects;
- `values`, `limits`: how each value is cleaned and bounded.

A record (every key optional but `hostname`, `source`, `partial`, `fields`, `notes`):

    {"hostname": "pc-arg-23",
     "identity": {"hardware_uuid": "33e737a8-…", "agent_id": "4c650ce8-…", "device_id": "pc-arg-23-2017-…"},
     "vendor": "Hewlett-Packard", "model": "HP EliteBook 2540p", "serialnumber": "CZC0479792",
     "chassis": "Notebook", "virtual": false, "vm_system": "Physical",
     "bios": {"vendor", "version", "date": "2010-08-24", "asset_tag"},
     "os": {"name", "full_name", "version", "service_pack", "arch", "kernel_name", "kernel_version",
            "install_date", "boot_time", "timezone_offset", "fqdn", "domain"},
     "cpu": {"model", "manufacturer", "sockets", "cores", "threads", "speed_mhz", "arch"},
     "memory_mb": 3887,
     "memory_modules": [{"slot", "capacity_mb", "type", "speed_mhz", "form_factor", "manufacturer", "serial", "model"}],
     "disks": [{"name", "model", "manufacturer", "serial", "size_mb", "type", "interface", "firmware"}],
     "volumes": [{"mount": "C:", "device", "label", "filesystem", "size_mb", "free_mb", "encrypted", "encryption"}],
     "interfaces": [{"name", "mac", "type", "status", "virtual", "speed_mbps",
                     "addresses": [{"address", "mask"}], "gateway", "dhcp", "dhcp_server"}],
     "dns_servers": ["10.42.50.19"], "default_gateway": "10.253.6.1",
     "software": [{"name", "version", "publisher", "arch", "install_date", "source"}],
     "antivirus": [{"name", "company", "version", "enabled", "up_to_date", "signature_version", "expiration"}],
     "firewalls": [{"name", "profile", "status"}],
     "monitors": [{"name", "manufacturer", "serial", "description", "port"}],
     "users": [{"login", "domain", "last": true, "last_login": "2017-05-15T09:30:00"}],
     "source": {"format": "glpi-json" | "fusioninventory-xml" | "ocs-xml", "agent", "tag", "inventoried"},
     "partial": false, "fields": ["hostname", …], "notes": [{"field", "received", "kept", "message"}]}

Dates are ISO text, sizes MB, speeds MHz/Mbps. Lists are sorted (software by name, version,
arch) so the same machine gives the same record whatever order its agent listed things in.
"""

from __future__ import annotations

from typing import Any

from shopdb_computers.agents import decode, normalize
from shopdb_contract.errors import ValidationProblem


def parse_inventory(body: bytes, *, agent: str | None = None, agent_id: str | None = None) -> dict[str, Any]:
    """The record of one inventory: a GLPI JSON inventory or a `<REQUEST><CONTENT>…` XML, plain,
    zlib or gzip. Raises 400/413/415/422 ProblemErrors as the intake would answer them."""
    document = decode.parse(body)
    if document.kind == decode.JSON:
        if not isinstance(document.data, dict):
            raise ValidationProblem("the JSON inventory must be an object", field="content", message="not an inventory")
        return normalize.normalize(document.data, source=normalize.GLPI_JSON, agent=agent, agent_id=agent_id)
    request = document.data.get("request")
    if not isinstance(request, dict):
        raise ValidationProblem("the XML must be a <REQUEST> with <CONTENT>", field="REQUEST", message="not an inventory")
    return normalize.normalize(request, source=normalize.xml_source(request, agent), agent=agent, agent_id=agent_id)


__all__ = ["parse_inventory"]
