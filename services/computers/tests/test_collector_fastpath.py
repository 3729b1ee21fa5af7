"""The unchanged fast path of the collector push, on computers' own collector schema: a record
equal to what is stored is answered before validation; everything else is decided as without it."""

from __future__ import annotations

from pathlib import Path

from shopdb_contract.collector import REJECTED, UNCHANGED, CollectorSchema, content_hash
from shopdb_contract.manifest import load_manifest

SCHEMA = CollectorSchema(load_manifest(Path(__file__).resolve().parents[1]))


def test_a_record_equal_to_its_stored_hash_is_unchanged_without_validation():
    stored = content_hash({"hostname": "PC-1", "applications": [{"name": "CAD"}]})
    asked = []

    def known(keys):
        asked.append(keys)
        return {"pc-1": ("id-1", stored)}

    records, answered, _ = SCHEMA.prepare({"records": [
        {"hostname": "PC-1", "osname": None, "applications": [{"name": "CAD"}]},
        {"hostname": "pc-1", "memory_mb": 2},
        {"hostname": "PC-2", "memory_mb": -1},
    ]}, known=known)
    assert asked == [["pc-1", "pc-2"]] and records == []
    assert [(o.index, o.outcome, o.id) for o in answered[:2]] == [(0, UNCHANGED, "id-1"), (1, REJECTED, None)]
    assert "more than once" in answered[1].reason and answered[2].field == "memory_mb"


def test_a_changed_record_is_validated_and_hashed_as_without_the_fast_path():
    def known(keys):
        return {"pc-1": ("id-1", "0" * 40)}

    records, refused, _ = SCHEMA.prepare({"records": [{"hostname": "PC-1", "osname": None, "applications": []}]}, known=known)
    assert refused == [] and records[0].data == {"hostname": "PC-1", "applications": []}
    assert records[0].hash == content_hash({"hostname": "PC-1", "applications": []})
    plain, _, _ = SCHEMA.prepare({"records": [{"hostname": "PC-1", "osname": None, "applications": []}]})
    assert plain[0].hash == records[0].hash
