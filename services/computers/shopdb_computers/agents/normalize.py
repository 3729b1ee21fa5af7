"""One computer record from any agent's inventory: GLPI JSON, FusionInventory XML, OCS XML.

The three formats are one family: GLPI's JSON is FusionInventory's XML with lower-case keys and a
few renames, and OCS's XML is FusionInventory's ancestor with some other tag names. So the XML
is read as lower-case dicts (decode.xml_tree) and every field is looked up under each of its
names. The record is plain JSON data (shape in the package docstring):
- every text cut to its column, every list sorted and cut to its cap with a note;
- a placeholder (all-zero UUID, "To Be Filled By O.E.M.") is no value;
- `fields` names the parts of the record the inventory carried: a GLPI Agent's partial
  inventory carries only the sections that changed, and the rest must be kept as stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from shopdb_computers.agents import limits, values
from shopdb_contract.errors import ValidationProblem

GLPI_JSON = "glpi-json"
FUSION_XML = "fusioninventory-xml"
OCS_XML = "ocs-xml"

# Which record fields each inventory section feeds (for partial inventories).
SECTION_FIELDS = {
    "hardware": ("hostname", "identity", "chassis", "virtual", "vm_system", "memory_mb", "dns_servers", "default_gateway"),
    "bios": ("identity", "vendor", "model", "serialnumber", "bios", "chassis"),
    "operatingsystem": ("os",),
    "cpus": ("cpu",),
    "memories": ("memory_modules",),
    "storages": ("disks",),
    "drives": ("volumes",),
    "networks": ("interfaces",),
    "softwares": ("software",),
    "antivirus": ("antivirus",),
    "firewalls": ("firewalls",),
    "firewall": ("firewalls",),
    "monitors": ("monitors",),
    "users": ("users",),
}
ALL_FIELDS = tuple(dict.fromkeys(f for fields in SECTION_FIELDS.values() for f in fields))
# What `last` prints that is not a user.
_NOT_USERS = frozenset({"wtmp", "reboot", "shutdown", "runlevel"})
_HOSTNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _one(content: dict[str, Any], section: str) -> dict[str, Any]:
    raw = content.get(section)
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    return raw if isinstance(raw, dict) else {}


def _many(content: dict[str, Any], *sections: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for section in sections:
        raw = content.get(section)
        if isinstance(raw, dict):
            items.append(raw)
        elif isinstance(raw, list):
            items.extend(i for i in raw if isinstance(i, dict))
    return items


def _get(item: dict[str, Any], *names: str) -> Any:
    """The first of `names` that `item` has a non-empty value for."""
    for name in names:
        value = item.get(name)
        if value not in (None, "", [], {}):
            return value
    return None


def _text(item: dict[str, Any], limit: int, *names: str) -> str | None:
    """The first of `names` whose value is real text once cleaned (a placeholder is skipped)."""
    for name in names:
        value = values.text(item.get(name), limit)
        if value is not None:
            return value
    return None


def _clean(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if v is not None}


class _Notes:
    """What the record lost on the way in, said once per list."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def capped(self, field: str, items: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any]) -> list[dict[str, Any]]:
        unique = list({_identity(i): i for i in items}.values())
        unique.sort(key=key)
        cap = limits.LIST_CAPS[field]
        if len(unique) > cap:
            self.items.append({
                "field": field, "received": len(unique), "kept": cap,
                "message": f"{field}: {len(unique):,} items reported, the first {cap:,} kept (the limit)",
            })
            return unique[:cap]
        return unique


def _identity(item: dict[str, Any]) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in item.items()))


def _lower(value: str | None) -> str:
    return (value or "").lower()


# --- sections ---------------------------------------------------------------------------------


def _bios(content: dict[str, Any]) -> dict[str, Any]:
    bios = _one(content, "bios")
    return _clean({
        "vendor": values.text(bios.get("bmanufacturer"), limits.VENDOR),
        "version": values.text(bios.get("bversion"), limits.VERSION),
        "date": values.day(bios.get("bdate"), month_first=True),
        "asset_tag": values.serial(bios.get("assettag"), limits.SERIAL),
    })


def _offset(timezone: Any) -> str | None:
    """GLPI's `{"name": "CET", "offset": "+0100"}` as "+01:00"."""
    raw = timezone.get("offset") if isinstance(timezone, dict) else None
    match = re.match(r"^([+-])(\d{2}):?(\d{2})$", raw.strip()) if isinstance(raw, str) else None
    return f"{match.group(1)}{match.group(2)}:{match.group(3)}" if match else None


def _os(content: dict[str, Any], hardware: dict[str, Any]) -> dict[str, Any]:
    system = _one(content, "operatingsystem")
    return _clean({
        "name": values.text(_get(system, "name") or hardware.get("osname"), limits.NAME),
        "full_name": values.text(_get(system, "full_name") or hardware.get("osname"), limits.NAME),
        "version": values.text(_get(system, "version") or hardware.get("osversion"), limits.VERSION),
        "service_pack": values.text(system.get("service_pack"), limits.VERSION),
        "arch": values.text(system.get("arch"), limits.SHORT),
        "kernel_name": values.text(system.get("kernel_name"), limits.SHORT),
        "kernel_version": values.text(system.get("kernel_version"), limits.VERSION),
        "install_date": values.day(system.get("install_date") or hardware.get("installdate")),
        "boot_time": values.moment(system.get("boot_time")),
        "timezone_offset": _offset(system.get("timezone")),
        "fqdn": values.text(system.get("fqdn"), 255),
        "domain": values.text(_get(system, "dns_domain") or hardware.get("workgroup"), limits.NAME),
    })


def _cpu(content: dict[str, Any]) -> dict[str, Any]:
    cpus = _many(content, "cpus")
    if not cpus:
        return {}
    first = cpus[0]

    def total(*names: str) -> int | None:
        counts = [values.integer(_get(c, *names), maximum=100_000) for c in cpus]
        return sum(c for c in counts if c) or None

    return _clean({
        # OCS names the model TYPE; FusionInventory and GLPI name it NAME.
        "model": _text(first, limits.NAME, "name", "type"),
        "manufacturer": values.text(first.get("manufacturer"), limits.VENDOR),
        "sockets": len(cpus),
        "cores": total("core", "cores", "corecount"),
        # OCS's LOGICAL_CPUS is the machine's thread count; THREAD(S) as each agent reports it.
        "threads": total("logical_cpus", "thread", "threads"),
        "speed_mhz": values.integer(_get(first, "speed", "current_speed"), maximum=1_000_000),
        "arch": _text(first, limits.SHORT, "arch", "cpuarch"),
    })


def _memory_modules(content: dict[str, Any], notes: _Notes) -> list[dict[str, Any]]:
    modules = []
    for m in _many(content, "memories"):
        capacity = values.integer(m.get("capacity"))
        if not capacity:
            continue  # an empty slot
        modules.append(_clean({
            "slot": _text(m, limits.NAME, "caption", "numslots"),
            "capacity_mb": capacity,
            "type": values.text(m.get("type"), limits.SHORT),
            "speed_mhz": values.integer(m.get("speed"), maximum=1_000_000),
            "form_factor": _text(m, limits.SHORT, "formfactor", "description"),
            "manufacturer": values.text(m.get("manufacturer"), limits.VENDOR),
            "serial": values.serial(m.get("serialnumber"), limits.SERIAL),
            "model": values.text(m.get("model"), limits.MODEL),
        }))
    return notes.capped("memory_modules", modules, key=lambda m: (m.get("slot") or "", m.get("serial") or ""))


_NOT_DISKS = ("zram", "loop", "ram")


def _disks(content: dict[str, Any], notes: _Notes) -> list[dict[str, Any]]:
    disks = []
    for d in _many(content, "storages"):
        name = values.text(d.get("name"), limits.NAME)
        if name and name.startswith(_NOT_DISKS):
            continue  # memory and loop devices, not hardware
        disks.append(_clean({
            "name": name,
            "model": values.text(d.get("model"), limits.MODEL),
            "manufacturer": values.text(d.get("manufacturer"), limits.VENDOR),
            "serial": values.serial(_get(d, "serial", "serialnumber"), limits.SERIAL),
            "size_mb": values.integer(d.get("disksize")),
            "type": values.text(d.get("type"), limits.SHORT),
            "interface": values.text(d.get("interface"), limits.SHORT),
            "firmware": values.text(d.get("firmware"), limits.VERSION),
        }))
    return notes.capped("disks", disks, key=lambda d: (d.get("name") or "", d.get("serial") or ""))


def _volumes(content: dict[str, Any], notes: _Notes) -> list[dict[str, Any]]:
    volumes = []
    for v in _many(content, "drives"):
        # Windows names a volume by its letter; Unix agents put the mount point in TYPE.
        mount = _text(v, limits.PATH, "letter", "type")
        status = v.get("encrypt_status")
        volumes.append(_clean({
            "mount": mount,
            "device": values.text(v.get("volumn"), limits.PATH),
            "label": values.text(v.get("label"), limits.NAME),
            "filesystem": values.text(v.get("filesystem"), limits.SHORT),
            "size_mb": values.integer(v.get("total")),
            "free_mb": values.integer(v.get("free")),
            "encrypted": values.flag(status) if status is not None else None,
            "encryption": _text(v, limits.SHORT, "encrypt_name", "encrypt_algo"),
        }))
    return notes.capped("volumes", volumes, key=lambda v: (v.get("mount") or "", v.get("device") or ""))


def _interfaces(content: dict[str, Any], notes: _Notes) -> list[dict[str, Any]]:
    # The agents write one entry per address; one interface is (name, MAC).
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    for n in _many(content, "networks"):
        name = _text(n, limits.INTERFACE, "description", "name") or ""
        mac = values.mac(_get(n, "mac", "macaddr")) or ""
        if not name and not mac:
            continue
        nic = grouped.setdefault((name, mac), {
            "name": name, "mac": mac, "type": values.text(n.get("type"), limits.SHORT),
            "status": _lower(values.text(n.get("status"), limits.SHORT)) or None,
            "virtual": values.flag(n.get("virtualdev")),
            "speed_mbps": values.integer(n.get("speed")),
            "addresses": [], "gateway": None, "dhcp_server": None,
        })
        for key, mask in (("ipaddress", "ipmask"), ("ipaddress6", "ipmask6")):
            for found in values.addresses(n.get(key)):
                nic["addresses"].append(_clean({"address": found, "mask": values.text(n.get(mask), limits.ADDRESS)}))
        nic["gateway"] = nic["gateway"] or values.address(n.get("ipgateway"))
        nic["dhcp_server"] = nic["dhcp_server"] or values.address(n.get("ipdhcp"))
    nics = []
    for nic in grouped.values():
        found = sorted({a["address"]: a for a in nic["addresses"]}.values(), key=lambda a: (":" in a["address"], a["address"]))
        nic["addresses"] = found[: limits.LIST_CAPS["addresses"]]
        if len(found) > len(nic["addresses"]):
            notes.items.append({"field": "interfaces.addresses", "received": len(found), "kept": len(nic["addresses"]),
                                "message": f"interface {nic['name']}: {len(found)} addresses, the first {len(nic['addresses'])} kept"})
        nic["dhcp"] = nic["dhcp_server"] is not None
        nics.append(_clean(nic))
    return notes.capped("interfaces", nics, key=lambda n: (n["name"], n["mac"]))


def _software(content: dict[str, Any], notes: _Notes) -> list[dict[str, Any]]:
    items = []
    for s in _many(content, "softwares"):
        name = values.text(s.get("name"), limits.NAME)
        if name is None:
            continue
        items.append(_clean({
            "name": name,
            "version": values.text(s.get("version"), limits.VERSION),
            "publisher": values.text(s.get("publisher"), limits.PUBLISHER),
            "arch": _text(s, limits.SHORT, "arch", "architecture"),
            "install_date": values.day(_get(s, "install_date", "installdate")),
            "source": values.text(s.get("from"), limits.SHORT),
        }))
    return notes.capped("software", items, key=lambda s: (s["name"].lower(), s.get("version") or "", s.get("arch") or ""))


def _antivirus(content: dict[str, Any], notes: _Notes) -> list[dict[str, Any]]:
    items = [_clean({
        "name": values.text(a.get("name"), limits.NAME),
        "company": values.text(a.get("company"), limits.VENDOR),
        "version": values.text(a.get("version"), limits.VERSION),
        "enabled": values.flag(a.get("enabled")),
        "up_to_date": values.flag(a.get("uptodate")),
        "signature_version": values.text(a.get("base_version"), limits.VERSION),
        "expiration": values.day(a.get("expiration")),
    }) for a in _many(content, "antivirus")]
    return notes.capped("antivirus", [a for a in items if a.get("name")], key=lambda a: a["name"])


def _firewalls(content: dict[str, Any], notes: _Notes) -> list[dict[str, Any]]:
    items = [_clean({
        "name": _text(f, limits.NAME, "description", "profile"),
        "profile": values.text(f.get("profile"), limits.SHORT),
        "status": _lower(values.text(f.get("status"), limits.SHORT)) or None,
    }) for f in _many(content, "firewalls", "firewall")]
    return notes.capped("firewalls", [f for f in items if f.get("status") or f.get("name")],
                        key=lambda f: (f.get("name") or "", f.get("profile") or ""))


def _monitors(content: dict[str, Any], notes: _Notes) -> list[dict[str, Any]]:
    items = [_clean({
        "name": _text(m, limits.NAME, "caption", "name"),
        "manufacturer": values.text(m.get("manufacturer"), limits.VENDOR),
        "serial": values.serial(_get(m, "serial", "altserial"), limits.SERIAL),
        "description": values.text(m.get("description"), limits.NAME),
        "port": values.text(m.get("port"), limits.SHORT),
    }) for m in _many(content, "monitors")]
    return notes.capped("monitors", [m for m in items if m], key=lambda m: (m.get("name") or "", m.get("serial") or ""))


def _users(content: dict[str, Any], hardware: dict[str, Any], seen: str | None, notes: _Notes) -> list[dict[str, Any]]:
    users: dict[str, dict[str, Any]] = {}
    for u in _many(content, "users"):
        login = values.text(u.get("login"), limits.LOGIN)
        if login and login.lower() not in _NOT_USERS:
            users.setdefault(login.lower(), _clean({"login": login, "domain": values.text(u.get("domain"), limits.NAME)}))
    last = values.text(hardware.get("lastloggeduser"), limits.LOGIN)
    if last and last.lower() not in _NOT_USERS:
        user = users.setdefault(last.lower(), {"login": last})
        when = values.last_login(hardware.get("datelastloggeduser"), seen=seen)
        user["last_login"] = when
        user["last"] = True
        if when is None:
            del user["last_login"]
    return notes.capped("users", list(users.values()), key=lambda u: u["login"].lower())


# --- the record -------------------------------------------------------------------------------


def xml_source(request: dict[str, Any], agent: str | None) -> str:
    """OCS or FusionInventory XML: by the client's User-Agent, else by FusionInventory's
    VERSIONPROVIDER section, which OCS never writes."""
    if agent:
        return OCS_XML if agent.startswith("OCS-NG") else FUSION_XML
    content = request.get("content")
    return FUSION_XML if isinstance(content, dict) and "versionprovider" in content else OCS_XML


def _hostname(hardware: dict[str, Any], system: dict[str, Any]) -> str:
    name = values.text(hardware.get("name"), 255) or (values.text(system.get("fqdn"), 255) or "").split(".")[0]
    if not name:
        raise ValidationProblem("the inventory names no computer (hardware name)", field="content.hardware.name",
                                message="no hostname in the inventory")
    if len(name) > limits.HOSTNAME or not _HOSTNAME.match(name):
        raise ValidationProblem(
            f"hostname {name[:80]!r} is not a host name (1-63 letters, digits, '.', '_', '-')",
            field="content.hardware.name", message="hostname is not a host name",
        )
    return name


def normalize(
    message: dict[str, Any], *, source: str, agent: str | None = None, agent_id: str | None = None,
) -> dict[str, Any]:
    """The computer record of one inventory message.

    `message` is the GLPI JSON message (`{"action", "deviceid", "content", ...}`) or the XML's
    `request` dict; `source` one of GLPI_JSON, FUSION_XML, OCS_XML; `agent` the client's name
    and version (User-Agent) and `agent_id` GLPI Agent's persistent id (`GLPI-Agent-ID`), when
    the request carried them. Raises ValidationProblem (422) when no hostname can be found.
    """
    content = message.get("content")
    if not isinstance(content, dict):
        raise ValidationProblem("the inventory has no content", field="content", message="no inventory content")
    notes = _Notes()
    hardware, bios, system = _one(content, "hardware"), _one(content, "bios"), _one(content, "operatingsystem")
    seen = values.moment(_one(content, "accesslog").get("logdate"))
    vmsystem = values.text(hardware.get("vmsystem"), limits.SHORT)
    partial = bool(values.flag(message.get("partial")))
    sections = sorted(k for k in content if k in SECTION_FIELDS)
    fields = ALL_FIELDS if not partial else tuple(dict.fromkeys(
        ["hostname", "identity"] + [f for s in sections for f in SECTION_FIELDS[s]]
    ))
    client = values.text(_get(content, "versionclient") or agent, limits.AGENT)

    record: dict[str, Any] = {
        "hostname": _hostname(hardware, system),
        "identity": _clean({
            "hardware_uuid": values.hardware_uuid(hardware.get("uuid")),
            "agent_id": values.hardware_uuid(agent_id),
            "device_id": values.text(message.get("deviceid"), limits.AGENT),
        }),
        "vendor": _text(bios, limits.VENDOR, "smanufacturer", "mmanufacturer"),
        "model": _text(bios, limits.MODEL, "smodel", "mmodel"),
        "serialnumber": values.serial(bios.get("ssn"), limits.SERIAL),
        "chassis": values.text(_get(hardware, "chassis_type") or bios.get("type"), limits.SHORT),
        "virtual": None if vmsystem is None else vmsystem.lower() != "physical",
        "vm_system": vmsystem,
        "bios": _bios(content),
        "os": _os(content, hardware),
        "cpu": _cpu(content),
        "memory_mb": values.integer(hardware.get("memory")),
        "memory_modules": _memory_modules(content, notes),
        "disks": _disks(content, notes),
        "volumes": _volumes(content, notes),
        "interfaces": _interfaces(content, notes),
        "dns_servers": values.addresses(hardware.get("dns"))[: limits.LIST_CAPS["dns_servers"]],
        "default_gateway": values.address(hardware.get("defaultgateway")),
        "software": _software(content, notes),
        "antivirus": _antivirus(content, notes),
        "firewalls": _firewalls(content, notes),
        "monitors": _monitors(content, notes),
        "users": _users(content, hardware, seen, notes),
    }
    record = {k: v for k, v in record.items() if k in fields}
    record["source"] = _clean({
        "format": source,
        "agent": client,
        "tag": values.text(message.get("tag"), limits.SHORT),
        "inventoried": seen,
    })
    record["partial"] = partial
    record["fields"] = list(fields)
    record["notes"] = notes.items
    return record

