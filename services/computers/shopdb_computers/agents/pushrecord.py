"""An agent's record as the computers collector push takes it today (ADR-006's fields), so an
inventory can go through the push path while the rest of the record waits for its storage."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def _boot(os: dict[str, Any]) -> str | None:
    boot, offset = os.get("boot_time"), os.get("timezone_offset")
    if boot is None:
        return None
    moment = datetime.fromisoformat(boot)
    if moment.tzinfo is None:
        if offset is None:
            return None  # a local time in an unknown zone is no instant
        moment = datetime.fromisoformat(boot + offset)
    return moment.isoformat()


def push_record(record: dict[str, Any]) -> dict[str, Any]:
    """The push fields of a full record (hostname, OS, CPU, memory, disks, user, applications,
    interfaces), each cut to the push schema's length; absent values are left out."""
    os, cpu = record.get("os") or {}, record.get("cpu") or {}
    last = next((u["login"] for u in record.get("users") or [] if u.get("last")), None)
    sizes = [d["size_mb"] for d in record.get("disks") or [] if d.get("size_mb") and d.get("type") != "cdrom"]
    fields = {
        "hostname": record["hostname"],
        "serialnumber": record.get("serialnumber"),
        "osname": (os.get("full_name") or os.get("name") or "")[:100] or None,
        "osversion": (os.get("version") or "")[:50] or None,
        "osbuild": (os.get("kernel_version") or "")[:50] or None,
        "domain": os.get("domain"),
        "lastuser": last,
        "lastboot": _boot(os),
        "cpu": cpu.get("model"),
        "memory_mb": record.get("memory_mb"),
        "disk_gb": round(sum(sizes) / 1024) if sizes else None,
        "source": (record.get("source") or {}).get("format"),
        "applications": [
            {k: s[k] for k in ("name", "version", "publisher") if s.get(k)} for s in record.get("software") or []
        ],
        "interfaces": [
            {k: v for k, v in (("name", n["name"]), ("mac", n.get("mac")), ("ipaddresses", [a["address"] for a in n.get("addresses", [])])) if v}
            for n in record.get("interfaces") or [] if n.get("name")
        ],
    }
    return {k: v for k, v in fields.items() if v is not None}
