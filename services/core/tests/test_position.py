"""Position resolution (ADR-001): own position, then an inherited one, then the location's."""

from __future__ import annotations

from shopdb_contract.testing.resource import assert_problem


def make_asset(client, number: str, **fields) -> dict:
    response = client.post("/api/assets", json={"assetnumber": number, "name": number, "type": "tool", **fields})
    assert response.status_code == 201, response.text
    return response.json()


def make_location(client, name: str, parent: dict | None = None, **fields) -> dict:
    body = {"name": name, **fields, **({"parent": parent["id"]} if parent else {})}
    response = client.post("/api/locations", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def link(client, source, target, inherits=True, type_="mounted_on"):
    body = {"type": type_, "source": source["id"], "target": target["id"], "inheritsposition": inherits}
    assert client.post("/api/relationships", json=body).status_code == 201


def position(client, asset) -> dict:
    response = client.get(f"/api/assets/{asset['id']}/position")
    assert response.status_code == 200, response.text
    return response.json()


def test_an_asset_with_its_own_position_uses_it(client):
    asset = make_asset(client, "A-1", mapx=10.0, mapy=20.0)
    assert position(client, asset) == {
        "mapx": 10.0, "mapy": 20.0, "source": "asset", "via": {"id": asset["id"], "assetnumber": "A-1", "name": "A-1"},
    }


def test_an_asset_inherits_the_position_of_the_asset_it_is_linked_to_transitively(client):
    machine = make_asset(client, "M-1", mapx=50.0, mapy=60.0)
    controller = make_asset(client, "C-1")
    sensor = make_asset(client, "S-1")
    link(client, controller, machine)
    link(client, sensor, controller)
    result = position(client, sensor)
    assert (result["mapx"], result["mapy"], result["source"]) == (50.0, 60.0, "related_asset")
    assert result["via"]["assetnumber"] == "M-1"
    assert [a["assetnumber"] for a in result["via"]["path"]] == ["C-1", "M-1"]


def test_a_relationship_without_inheritsposition_passes_no_position(client):
    machine = make_asset(client, "M-1", mapx=50.0, mapy=60.0)
    pc = make_asset(client, "PC-1")
    link(client, pc, machine, inherits=False, type_="controls")
    assert position(client, pc)["source"] == "none"


def test_without_an_inherited_position_the_location_tree_is_walked_up(client):
    hall = make_location(client, "Hall A", mapx=100.0, mapy=200.0)
    area = make_location(client, "Machining", hall)
    cell = make_location(client, "Cell 1", area)
    asset = make_asset(client, "A-1", location=cell["id"])
    result = position(client, asset)
    assert (result["mapx"], result["mapy"], result["source"]) == (100.0, 200.0, "location")
    assert result["via"]["name"] == "Hall A"


def test_an_inherited_position_wins_over_the_location(client):
    hall = make_location(client, "Hall A", mapx=100.0, mapy=200.0)
    machine = make_asset(client, "M-1", mapx=5.0, mapy=6.0)
    sensor = make_asset(client, "S-1", location=hall["id"])
    link(client, sensor, machine)
    assert position(client, sensor)["source"] == "related_asset"


def test_a_cycle_of_inheriting_assets_ends_instead_of_looping(client):
    hall = make_location(client, "Hall A", mapx=1.0, mapy=2.0)
    a = make_asset(client, "A-1", location=hall["id"])
    b = make_asset(client, "B-1")
    c = make_asset(client, "C-1")
    link(client, a, b)
    link(client, b, c)
    link(client, c, a)
    assert position(client, a)["source"] == "location"
    result = position(client, b)
    assert result["source"] == "location" and result["via"]["asset"]["assetnumber"] == "A-1"


def test_an_asset_with_nothing_to_go_by_has_no_position(client):
    result = position(client, make_asset(client, "A-1"))
    assert result == {"mapx": None, "mapy": None, "source": "none", "via": None}


def test_position_of_a_missing_asset_is_a_404_problem(client):
    assert_problem(client.get("/api/assets/00000000-0000-4000-8000-000000000000/position"), 404)
