"""The shared list conventions: paging links, ETags, If-Match, item errors."""

from __future__ import annotations

import pytest

from shopdb_contract import listing
from shopdb_contract.errors import ConflictError, PreconditionFailedError, ValidationProblem
from shopdb_core.assets.schemas import AssetCreate


def test_paging_links_point_at_the_neighbouring_pages():
    page = listing.envelope("http://x/api/assets?type=tool", count=120, results=[], limit=50, offset=50)
    assert page["next"] == "http://x/api/assets?type=tool&limit=50&offset=100"
    assert page["previous"] == "http://x/api/assets?type=tool&limit=50"
    last = listing.envelope("http://x/api/assets", count=120, results=[], limit=50, offset=100)
    assert last["next"] is None


def test_the_etag_follows_every_field_and_if_match_checks_it():
    etag = listing.etag_of({"name": "a", "n": 1})
    assert etag == listing.etag_of({"n": 1, "name": "a"})
    assert etag != listing.etag_of({"name": "a", "n": 2})
    listing.check_if_match(None, etag)
    listing.check_if_match("*", etag)
    listing.check_if_match(f'W/{etag}, "other"', etag)
    with pytest.raises(PreconditionFailedError):
        listing.check_if_match('"stale"', etag)


def test_a_batch_reports_every_bad_item_with_its_index():
    with pytest.raises(ValidationProblem) as caught:
        listing.parse_items(AssetCreate, [{"assetnumber": "A", "name": "x", "type": "tool"}, {"name": 1}, "no"])
    fields = [e["field"] for e in caught.value.extensions["errors"]]
    assert "body[1].assetnumber" in fields and "body[1].name" in fields and "body[2]" in fields


def test_a_rule_error_is_pointed_at_its_item():
    with pytest.raises(ConflictError) as caught:
        with listing.item_errors(4):
            raise ConflictError("taken", field="assetnumber")
    assert caught.value.extensions == {"field": "body[4].assetnumber", "index": 4}


def test_unknown_lookups_and_bad_values_name_the_parameter(client):
    from shopdb_contract.testing.resource import assert_problem

    assert_problem(client.get("/api/assets", params={"name__regex": "x"}), 422, field="name__regex")
    assert_problem(client.get("/api/assets", params={"created__gte": "yesterday"}), 422, field="created__gte")
    assert client.get("/api/assets", params={"created__gte": "2020-01-01T00:00:00Z"}).status_code == 200
