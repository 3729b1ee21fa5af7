"""The collector push's validation, independent of any service's storage."""

from __future__ import annotations

import pytest

from shopdb_contract.collector import REJECTED, BatchTooLarge, CollectorSchema, batch_schema, content_hash
from shopdb_contract.errors import ValidationProblem
from shopdb_contract.manifest import parse_manifest

MANIFEST = parse_manifest({
    "name": "widgets", "version": "0.1.0", "description": "d", "core_version": ">=0.1,<0.2", "api_prefix": "/api/widgets",
    "collector": {"identityfield": "tag", "max_batch": 3, "fields": {
        "tag": {"type": "string", "minLength": 1}, "size": {"type": "integer"},
        "parts": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
    }},
})


def prepare(records):
    return CollectorSchema(MANIFEST).prepare({"records": records})


def test_nulls_are_dropped_before_validation_and_hashing():
    records, refused, _ = prepare([{"tag": "A", "size": None, "parts": [{"name": "x"}]}])
    assert refused == [] and records[0].data == {"tag": "A", "parts": [{"name": "x"}]}
    assert records[0].hash == content_hash({"tag": "A", "parts": [{"name": "x"}]})


def test_each_rejection_names_its_field():
    _, refused, _ = prepare([{"size": 1}, {"tag": "B", "size": "big"}, {"tag": "C", "colour": "red"}])
    assert [(r.index, r.outcome, r.field) for r in refused] == [(0, REJECTED, "tag"), (1, REJECTED, "size"), (2, REJECTED, "colour")]


def test_identity_compares_case_insensitively_and_a_repeat_is_rejected():
    records, refused, _ = prepare([{"tag": "Pc-1 "}, {"tag": "pc-1"}])
    assert records[0].key == "pc-1" and records[0].identity == "Pc-1"
    assert refused[0].index == 1 and "more than once" in refused[0].reason


def test_a_batch_above_max_batch_is_refused_whole():
    with pytest.raises(BatchTooLarge):
        prepare([{"tag": str(n)} for n in range(4)])
    with pytest.raises(ValidationProblem):
        CollectorSchema(MANIFEST).prepare([{"tag": "A"}])


def test_batch_schema_is_a_valid_json_schema_naming_identity_and_maximum():
    from jsonschema import Draft202012Validator

    schema = batch_schema(MANIFEST)
    Draft202012Validator.check_schema(schema)
    assert schema["x-identityfield"] == "tag" and schema["properties"]["records"]["maxItems"] == 3
    Draft202012Validator(schema).validate({"records": [{"tag": "A", "size": 2}]})
