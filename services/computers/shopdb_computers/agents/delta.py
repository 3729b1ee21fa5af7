"""What changed between two records of one computer, as an audit event's `changes` carry it:
scalars as {"from", "to"}, lists as the items added, removed and changed, never both full lists.

Items are matched by their natural key (a package by name and architecture, an interface by
name and MAC, a volume by its mount...), so a package upgrade is one changed item, not a removal
and an addition. A list delta over MAX_ITEMS items per kind keeps counts and the first items.
"""

from __future__ import annotations

from typing import Any

# The natural key of an item of each list of the record.
KEYS = {
    "software": ("name", "arch"),
    "interfaces": ("name", "mac"),
    "volumes": ("mount", "device"),
    "disks": ("name", "serial"),
    "memory_modules": ("slot", "serial"),
    "monitors": ("name", "serial"),
    "users": ("login",),
    "antivirus": ("name",),
    "firewalls": ("name", "profile"),
    "dns_servers": None,  # plain values: the value is its own key
}
# Kept per kind (added, removed, changed) in one event; the rest is counted.
MAX_ITEMS = 200
# What says where a record came from, not what the computer is.
_NOT_CHANGES = frozenset({"source", "fields", "notes", "partial"})


def _key(kind: str, item: Any) -> Any:
    names = KEYS[kind]
    return item if names is None else tuple(item.get(n) for n in names)


def _cut(items: list[Any]) -> tuple[list[Any], int]:
    return items[:MAX_ITEMS], len(items)


def list_delta(kind: str, before: list[Any], after: list[Any]) -> dict[str, Any] | None:
    """{"added", "removed", "changed": [{"key", "from", "to"}]} with counts, or None if equal."""
    old = {_key(kind, i): i for i in before}
    new = {_key(kind, i): i for i in after}
    added = [new[k] for k in new if k not in old]
    removed = [old[k] for k in old if k not in new]
    changed = []
    for k in new.keys() & old.keys():
        if new[k] != old[k]:
            diff = {f: {"from": old[k].get(f), "to": new[k].get(f)} for f in old[k].keys() | new[k].keys()
                    if old[k].get(f) != new[k].get(f)}
            changed.append({"key": dict(zip(KEYS[kind], k)) if KEYS[kind] else k, "changes": diff})
    if not (added or removed or changed):
        return None
    changed.sort(key=lambda c: str(c["key"]))
    delta: dict[str, Any] = {}
    for name, items in (("added", added), ("removed", removed), ("changed", changed)):
        kept, count = _cut(items)
        if count:
            delta[name] = kept
            delta[f"{name}_count"] = count
    return delta


def record_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The changes from `before` to `after`; fields `after` does not carry (a partial
    inventory) are not changes."""
    changes: dict[str, Any] = {}
    for field, new in after.items():
        if field in _NOT_CHANGES:
            continue
        old = before.get(field)
        if field in KEYS:
            delta = list_delta(field, old or [], new or [])
            if delta is not None:
                changes[field] = delta
        elif isinstance(new, dict) and isinstance(old, dict):
            diff = {k: {"from": old.get(k), "to": new.get(k)} for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
            if diff:
                changes[field] = diff
        elif old != new:
            changes[field] = {"from": old, "to": new}
    return changes
