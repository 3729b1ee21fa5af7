"""A generic API test case for one REST resource, in the spirit of NetBox's APIViewTestCase.

A service's test declares only data and inherits the checks every resource must pass:

    class TestLocationsAPI(ResourceAPITests):
        base_path = "/api/locations"
        create_data = [{"name": "Hall A"}, {"name": "Hall B"}, {"name": "Hall C"}]
        update_data = {"name": "Hall D"}
        invalid_data = [({"name": 5}, "name")]
        filter_examples = [({"name": "Hall A"}, 1)]

The test module (or its conftest) provides a `client` fixture: a `fastapi.testclient.TestClient`
over the service's app on a real, migrated database that holds none of this resource's rows,
sending an editor's (or admin's) token with every request. If the service does not trust
`shopdb_contract.testing.auth.signing_key()` (core signs its own), the conftest also provides
`auth_headers`: role -> headers of a token the service accepts.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import pytest
from starlette.testclient import TestClient

from shopdb_contract.testing.auth import signing_key

__all__ = ["PROBLEM", "assert_problem", "matches", "names_field", "problem_fields", "ResourceAPITests"]

PROBLEM = "application/problem+json"


def problem_fields(problem: dict[str, Any]) -> list[str]:
    """Every field a problem names, from its `errors` list and its `field` extension."""
    fields = [e.get("field", "") for e in problem.get("errors", [])]
    if problem.get("field"):
        fields.append(problem["field"])
    return fields


def names_field(problem: dict[str, Any], field: str) -> bool:
    """Whether the problem points at `field` (as `body.field`, `body[3].field`, `query.field`...)."""
    for name in problem_fields(problem):
        parts = [p for p in re.split(r"[.\[\]]", name) if p]
        if name == field or (parts and parts[-1] == field) or name.endswith("." + field):
            return True
    return False


def assert_problem(response, status: int, *, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text}"
    assert response.headers["content-type"].startswith(PROBLEM), response.headers["content-type"]
    body = response.json()
    for key in ("type", "title", "status", "detail"):
        assert key in body, f"problem without {key!r}: {body}"
    assert body["status"] == status
    if field is not None:
        assert names_field(body, field), f"problem does not name field {field!r}: {body}"
    return body


def matches(sent: dict[str, Any], got: dict[str, Any]) -> bool:
    """Whether an answer shows what was sent; a reference sent as an id comes back as {id, ...}."""
    for key, value in sent.items():
        have = got.get(key)
        if isinstance(have, dict) and "id" in have and not isinstance(value, dict):
            have = have["id"]
        if value is not None and not isinstance(value, (bool, int, float, dict, list)):
            value = str(value)
        if isinstance(value, str):
            value = value.strip()
        if have != value:
            return False
    return True


class ResourceAPITests:
    """Checks every resource gets for free. Subclasses set the data below."""

    base_path: ClassVar[str]
    # At least three valid, distinct objects.
    create_data: ClassVar[list[dict[str, Any]]]
    update_data: ClassVar[dict[str, Any]]
    # (body, the field the refusal must name), each refused on create.
    invalid_data: ClassVar[list[tuple[dict[str, Any], str]]] = []
    # (query parameters, how many of create_data the list then holds).
    filter_examples: ClassVar[list[tuple[dict[str, str], int]]] = []
    ordering_field: ClassVar[str | None] = "name"
    brief_fields: ClassVar[set[str] | None] = None
    # Fields an object shows after DELETE when deletion is soft; None means it is gone (404).
    soft_delete: ClassVar[dict[str, Any] | None] = None
    # Whether POST accepts a list body, all or nothing.
    bulk_create: ClassVar[bool] = False

    # --- helpers ----------------------------------------------------------------------------

    def create_all(self, client) -> list[dict[str, Any]]:
        created = []
        for data in self.create_data:
            response = client.post(self.base_path, json=data)
            assert response.status_code == 201, response.text
            created.append(response.json())
        return created

    def url(self, obj: dict[str, Any]) -> str:
        return f"{self.base_path}/{obj['id']}"

    def headers_for(self, request, role: str) -> dict[str, str]:
        try:
            make = request.getfixturevalue("auth_headers")
        except pytest.FixtureLookupError:
            make = signing_key().headers
        return make(role)

    def count(self, client, **params) -> int:
        response = client.get(self.base_path, params={"limit": 1, **params})
        assert response.status_code == 200, response.text
        return response.json()["count"]

    # --- access ----------------------------------------------------------------------------

    def test_list_and_get_without_a_token_are_401(self, client):
        created = self.create_all(client)[0]
        anonymous = TestClient(client.app)
        assert_problem(anonymous.get(self.base_path), 401)
        assert_problem(anonymous.get(self.url(created)), 401)

    def test_viewer_reads_but_create_update_delete_are_403_and_change_nothing(self, client, request):
        created = self.create_all(client)[0]
        viewer = TestClient(client.app, headers=self.headers_for(request, "viewer"))
        assert viewer.get(self.url(created)).json() == created
        assert_problem(viewer.post(self.base_path, json=self.create_data[1]), 403)
        assert_problem(viewer.patch(self.url(created), json=self.update_data), 403)
        assert_problem(viewer.delete(self.url(created)), 403)
        assert self.count(client) == len(self.create_data)
        assert client.get(self.url(created)).json() == created

    # --- list ------------------------------------------------------------------------------

    def test_list_is_paginated_with_count_next_previous(self, client):
        self.create_all(client)
        total = len(self.create_data)
        first = client.get(self.base_path, params={"limit": 1})
        assert first.status_code == 200, first.text
        page = first.json()
        assert page["count"] == total
        assert len(page["results"]) == 1
        assert page["previous"] is None
        assert page["next"] is not None and "offset=1" in page["next"]
        last = client.get(self.base_path, params={"limit": 1, "offset": total - 1}).json()
        assert last["next"] is None
        assert last["previous"] is not None
        seen = {first.json()["results"][0]["id"], last["results"][0]["id"]}
        assert len(seen) == 2, "pages overlap"

    def test_list_limit_above_maximum_is_refused_naming_limit(self, client):
        assert_problem(client.get(self.base_path, params={"limit": 100000}), 422, field="limit")
        assert_problem(client.get(self.base_path, params={"offset": "x"}), 422, field="offset")

    def test_unknown_filter_is_refused_naming_it(self, client):
        assert_problem(client.get(self.base_path, params={"no_such_field": "x"}), 422, field="no_such_field")

    def test_filters_narrow_the_list(self, client):
        self.create_all(client)
        for params, expected in self.filter_examples:
            response = client.get(self.base_path, params=params)
            assert response.status_code == 200, response.text
            assert response.json()["count"] == expected, f"filter {params}: {response.json()['count']} != {expected}"

    def test_ordering_ascending_and_descending(self, client):
        if not self.ordering_field:
            return
        self.create_all(client)
        field = self.ordering_field
        ascending = [o[field] for o in client.get(self.base_path, params={"ordering": field}).json()["results"]]
        descending = [o[field] for o in client.get(self.base_path, params={"ordering": f"-{field}"}).json()["results"]]
        assert ascending == sorted(ascending)
        assert descending == sorted(descending, reverse=True)
        assert len(ascending) == len(self.create_data)

    def test_ordering_by_unknown_field_is_refused(self, client):
        assert_problem(client.get(self.base_path, params={"ordering": "-no_such_field"}), 422, field="ordering")

    def test_brief_gives_the_short_representation(self, client):
        if self.brief_fields is None:
            return
        self.create_all(client)
        results = client.get(self.base_path, params={"brief": "true"}).json()["results"]
        assert results and all(set(r) == self.brief_fields for r in results), results

    # --- get -------------------------------------------------------------------------------

    def test_get_returns_the_object_with_an_etag(self, client):
        created = self.create_all(client)[0]
        response = client.get(self.url(created))
        assert response.status_code == 200, response.text
        assert response.json() == created
        assert response.headers.get("etag")

    def test_get_missing_object_is_a_404_problem(self, client):
        assert_problem(client.get(f"{self.base_path}/00000000-0000-4000-8000-000000000000"), 404)

    # --- create ----------------------------------------------------------------------------

    def test_create_returns_201_with_the_object(self, client):
        response = client.post(self.base_path, json=self.create_data[0])
        assert response.status_code == 201, response.text
        assert matches(self.create_data[0], response.json()), response.json()
        assert response.headers.get("etag")
        assert self.count(client) == 1

    def test_create_with_unknown_field_is_refused_naming_it(self, client):
        body = {**self.create_data[0], "no_such_field": 1}
        assert_problem(client.post(self.base_path, json=body), 422, field="no_such_field")
        assert self.count(client) == 0

    def test_create_with_invalid_data_is_refused_naming_the_field_and_writes_nothing(self, client):
        for body, field in self.invalid_data:
            response = client.post(self.base_path, json=body)
            assert 400 <= response.status_code < 500, response.text
            assert_problem(response, response.status_code, field=field)
        assert self.count(client) == 0

    def test_bulk_create_is_all_or_nothing(self, client):
        if not self.bulk_create or not self.invalid_data:
            return
        bad_body, field = self.invalid_data[0]
        batch = [*self.create_data, bad_body]
        problem = assert_problem(client.post(self.base_path, json=batch), 422, field=field)
        assert any(f"[{len(self.create_data)}]" in f for f in problem_fields(problem)), problem
        assert self.count(client) == 0, "a refused batch left rows behind"
        response = client.post(self.base_path, json=self.create_data)
        assert response.status_code == 201, response.text
        assert len(response.json()) == len(self.create_data)
        assert self.count(client) == len(self.create_data)

    # --- update ----------------------------------------------------------------------------

    def test_update_with_current_if_match_applies(self, client):
        created = self.create_all(client)[0]
        etag = client.get(self.url(created)).headers["etag"]
        response = client.patch(self.url(created), json=self.update_data, headers={"If-Match": etag})
        assert response.status_code == 200, response.text
        assert matches(self.update_data, response.json()), response.json()
        assert response.headers["etag"] != etag
        assert matches(self.update_data, client.get(self.url(created)).json())

    def test_update_with_stale_if_match_is_412_and_changes_nothing(self, client):
        created = self.create_all(client)[0]
        stale = client.get(self.url(created)).headers["etag"]
        assert client.patch(self.url(created), json=self.update_data).status_code == 200
        after_first = client.get(self.url(created)).json()
        again = {**self.update_data}
        assert_problem(client.patch(self.url(created), json=again, headers={"If-Match": stale}), 412)
        assert client.get(self.url(created)).json() == after_first

    def test_update_with_unknown_field_is_refused_and_changes_nothing(self, client):
        created = self.create_all(client)[0]
        body = {**self.update_data, "no_such_field": 1}
        assert_problem(client.patch(self.url(created), json=body), 422, field="no_such_field")
        assert client.get(self.url(created)).json() == created

    def test_update_missing_object_is_a_404_problem(self, client):
        url = f"{self.base_path}/00000000-0000-4000-8000-000000000000"
        assert_problem(client.patch(url, json=self.update_data), 404)

    # --- delete ----------------------------------------------------------------------------

    def test_delete_removes_the_object_from_the_list(self, client):
        created = self.create_all(client)[0]
        response = client.delete(self.url(created))
        assert response.status_code == 204, response.text
        assert self.count(client) == len(self.create_data) - 1
        after = client.get(self.url(created))
        if self.soft_delete is None:
            assert_problem(after, 404)
        else:
            assert after.status_code == 200
            assert matches(self.soft_delete, after.json()), after.json()

    def test_delete_with_stale_if_match_is_412_and_keeps_the_object(self, client):
        created = self.create_all(client)[0]
        stale = client.get(self.url(created)).headers["etag"]
        assert client.patch(self.url(created), json=self.update_data).status_code == 200
        assert_problem(client.delete(self.url(created), headers={"If-Match": stale}), 412)
        assert self.count(client) == len(self.create_data)

    def test_delete_missing_object_is_a_404_problem(self, client):
        assert_problem(client.delete(f"{self.base_path}/00000000-0000-4000-8000-000000000000"), 404)
