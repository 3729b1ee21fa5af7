"""Relationships between assets: created, listed, and refused when they make no sense."""

from __future__ import annotations

from sqlalchemy import func, select

from shopdb_contract.testing.resource import assert_problem
from shopdb_core.relationships.models import Relationship

MISSING = "00000000-0000-4000-8000-000000000000"


def make_asset(client, number: str, **fields) -> dict:
    response = client.post("/api/assets", json={"assetnumber": number, "name": number, "type": "tool", **fields})
    assert response.status_code == 201, response.text
    return response.json()


def link(client, source, target, type_="controls", **fields):
    return client.post("/api/relationships", json={"type": type_, "source": source["id"], "target": target["id"], **fields})


def stored(database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Relationship))


def test_a_relationship_links_two_assets_and_is_listed_from_either_end(client):
    pc, machine, other = make_asset(client, "PC-1"), make_asset(client, "M-1"), make_asset(client, "X-1")
    response = link(client, pc, machine, inheritsposition=True)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["source"]["assetnumber"] == "PC-1" and body["target"]["assetnumber"] == "M-1"
    assert body["inheritsposition"] is True
    assert client.get("/api/relationships", params={"asset": machine["id"]}).json()["count"] == 1
    assert client.get("/api/relationships", params={"asset": other["id"]}).json()["count"] == 0
    assert client.get("/api/relationships", params={"inheritsposition": "true"}).json()["count"] == 1


def test_a_link_from_an_asset_to_itself_is_refused(client, database):
    pc = make_asset(client, "PC-1")
    assert_problem(link(client, pc, pc), 422, field="target")
    assert stored(database) == 0


def test_a_second_identical_link_is_refused(client, database):
    pc, machine = make_asset(client, "PC-1"), make_asset(client, "M-1")
    assert link(client, pc, machine).status_code == 201
    assert_problem(link(client, pc, machine), 409, field="target")
    assert link(client, pc, machine, "powered_by").status_code == 201
    assert stored(database) == 2


def test_a_link_to_a_missing_asset_is_refused_naming_the_end(client, database):
    pc = make_asset(client, "PC-1")
    assert_problem(link(client, pc, {"id": MISSING}), 422, field="target")
    assert_problem(link(client, {"id": MISSING}, pc), 422, field="source")
    assert stored(database) == 0


def test_an_unknown_relationship_type_is_refused_naming_type(client):
    pc, machine = make_asset(client, "PC-1"), make_asset(client, "M-1")
    problem = assert_problem(link(client, pc, machine, "befriends"), 422, field="type")
    assert "controls" in problem["detail"]


def test_wrong_types_and_unknown_fields_are_refused_naming_them(client):
    pc, machine = make_asset(client, "PC-1"), make_asset(client, "M-1")
    assert_problem(link(client, pc, machine, inheritsposition="sometimes"), 422, field="inheritsposition")
    assert_problem(link(client, pc, machine, colour="red"), 422, field="colour")
    assert_problem(link(client, {"id": "not-a-uuid"}, machine), 422, field="source")


def test_a_relationship_can_be_changed_with_if_match_and_deleted(client, database):
    pc, machine = make_asset(client, "PC-1"), make_asset(client, "M-1")
    created = link(client, pc, machine)
    url = f"/api/relationships/{created.json()['id']}"
    etag = created.headers["etag"]
    assert client.patch(url, json={"inheritsposition": True}, headers={"If-Match": etag}).status_code == 200
    assert_problem(client.patch(url, json={"notes": "x"}, headers={"If-Match": etag}), 412)
    assert client.delete(url).status_code == 204
    assert stored(database) == 0
    assert_problem(client.get(url), 404)


def test_relationship_types_are_listed(client):
    names = {t["name"] for t in client.get("/api/relationships/types").json()["results"]}
    assert {"controls", "connected_to", "powered_by"} <= names
