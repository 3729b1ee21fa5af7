"""The location tree's rules: no cycles, no deleting a location that still holds something."""

from __future__ import annotations

from shopdb_contract.testing.resource import assert_problem


def make_location(client, name: str, parent: dict | None = None, **fields) -> dict:
    body = {"name": name, **fields, **({"parent": parent["id"]} if parent else {})}
    response = client.post("/api/locations", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_moving_a_location_under_its_own_descendant_is_refused_and_nothing_moves(client):
    site = make_location(client, "Plant 1", kind="site")
    hall = make_location(client, "Hall A", site, kind="building")
    cell = make_location(client, "Cell 1", hall, kind="cell")
    problem = assert_problem(client.patch(f"/api/locations/{site['id']}", json={"parent": cell["id"]}), 422, field="parent")
    assert "cycle" in problem["detail"]
    assert client.get(f"/api/locations/{site['id']}").json()["parent"] is None
    assert client.get(f"/api/locations/{cell['id']}").json()["parent"]["id"] == hall["id"]


def test_moving_a_location_under_itself_is_refused(client):
    site = make_location(client, "Plant 1")
    assert_problem(client.patch(f"/api/locations/{site['id']}", json={"parent": site["id"]}), 422, field="parent")


def test_moving_a_location_elsewhere_in_the_tree_works(client):
    a = make_location(client, "Hall A")
    b = make_location(client, "Hall B")
    cell = make_location(client, "Cell 1", a)
    moved = client.patch(f"/api/locations/{cell['id']}", json={"parent": b["id"]})
    assert moved.status_code == 200, moved.text
    assert moved.json()["parent"] == {"id": b["id"], "name": "Hall B"}


def test_deleting_a_location_with_children_is_refused_naming_them(client):
    hall = make_location(client, "Hall A")
    make_location(client, "Cell 1", hall)
    problem = assert_problem(client.delete(f"/api/locations/{hall['id']}"), 409)
    assert "Cell 1" in problem["detail"] and problem["locations"] == 1
    assert client.get(f"/api/locations/{hall['id']}").status_code == 200


def test_deleting_a_location_with_assets_is_refused_naming_them(client):
    hall = make_location(client, "Hall A")
    asset = {"assetnumber": "A-77", "name": "Cart", "type": "tool", "location": hall["id"]}
    assert client.post("/api/assets", json=asset).status_code == 201
    problem = assert_problem(client.delete(f"/api/locations/{hall['id']}"), 409)
    assert "A-77" in problem["detail"] and problem["assets"] == 1


def test_sibling_names_are_unique_but_may_repeat_elsewhere(client):
    a = make_location(client, "Hall A")
    b = make_location(client, "Hall B")
    make_location(client, "Cell 1", a)
    assert_problem(client.post("/api/locations", json={"name": "Cell 1", "parent": a["id"]}), 409, field="name")
    make_location(client, "Cell 1", b)
    assert_problem(client.post("/api/locations", json={"name": "Hall A"}), 409, field="name")


def test_within_lists_a_location_and_everything_below_it(client):
    site = make_location(client, "Plant 1")
    hall = make_location(client, "Hall A", site)
    make_location(client, "Cell 1", hall)
    make_location(client, "Plant 2")
    assert client.get("/api/locations", params={"within": hall["id"]}).json()["count"] == 2
    assert client.get("/api/locations", params={"root": "true"}).json()["count"] == 2
