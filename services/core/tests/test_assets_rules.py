"""Asset rules beyond the generic checks: soft delete, restore, batches, location tree filter."""

from __future__ import annotations

from sqlalchemy import event, func, select

from shopdb_contract.testing.resource import assert_problem, problem_fields
from shopdb_core.assets.models import Asset


def make_asset(client, number: str, **fields) -> dict:
    response = client.post("/api/assets", json={"assetnumber": number, "name": f"Asset {number}", "type": "tool", **fields})
    assert response.status_code == 201, response.text
    return response.json()


def make_location(client, name: str, parent: dict | None = None, **fields) -> dict:
    body = {"name": name, **fields, **({"parent": parent["id"]} if parent else {})}
    response = client.post("/api/locations", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def asset_count(database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Asset))


def test_deleted_asset_is_retired_hidden_from_the_list_and_restored_to_its_old_status(client):
    asset = make_asset(client, "A-1", status="spare")
    assert client.delete(f"/api/assets/{asset['id']}").status_code == 204
    assert client.get(f"/api/assets/{asset['id']}").json()["status"] == "retired"
    assert client.get("/api/assets").json()["count"] == 0
    assert client.get("/api/assets", params={"include_retired": "true"}).json()["count"] == 1
    assert client.get("/api/assets", params={"status": "retired"}).json()["count"] == 1
    restored = client.post(f"/api/assets/{asset['id']}/restore")
    assert restored.status_code == 200, restored.text
    assert restored.json()["status"] == "spare"
    assert client.get("/api/assets").json()["count"] == 1


def test_restoring_an_asset_that_is_not_retired_is_a_conflict(client):
    asset = make_asset(client, "A-1")
    assert_problem(client.post(f"/api/assets/{asset['id']}/restore"), 409, field="status")


def test_taken_assetnumber_is_refused_naming_assetnumber(client, database):
    make_asset(client, "A-1")
    body = {"assetnumber": "A-1", "name": "Other", "type": "tool"}
    assert_problem(client.post("/api/assets", json=body), 409, field="assetnumber")
    assert asset_count(database) == 1


def test_batch_with_a_duplicate_inside_writes_nothing_and_names_the_item(client, database):
    batch = [
        {"assetnumber": "B-1", "name": "One", "type": "tool"},
        {"assetnumber": "B-2", "name": "Two", "type": "tool"},
        {"assetnumber": "B-1", "name": "Again", "type": "tool"},
    ]
    problem = assert_problem(client.post("/api/assets", json=batch), 409, field="assetnumber")
    assert problem["index"] == 2
    assert "body[2].assetnumber" in problem_fields(problem)
    assert asset_count(database) == 0


def test_batch_with_an_unknown_type_in_the_middle_writes_nothing(client, database):
    batch = [
        {"assetnumber": "B-1", "name": "One", "type": "tool"},
        {"assetnumber": "B-2", "name": "Two", "type": "spaceship"},
        {"assetnumber": "B-3", "name": "Three", "type": "tool"},
    ]
    problem = assert_problem(client.post("/api/assets", json=batch), 422, field="type")
    assert problem["index"] == 1 and "body[1].type" in problem_fields(problem)
    assert asset_count(database) == 0


def test_bulk_update_changes_every_asset_or_none(client):
    a = make_asset(client, "A-1")
    b = make_asset(client, "A-2")
    bad = [{"id": a["id"], "name": "Renamed"}, {"id": b["id"], "status": "lost"}]
    problem = assert_problem(client.patch("/api/assets", json=bad), 422, field="status")
    assert problem["index"] == 1
    assert client.get(f"/api/assets/{a['id']}").json()["name"] == "Asset A-1"
    good = [{"id": a["id"], "name": "Renamed"}, {"id": b["id"], "status": "spare"}]
    response = client.patch("/api/assets", json=good)
    assert response.status_code == 200, response.text
    assert [r["name"] for r in response.json()] == ["Renamed", "Asset A-2"]
    assert client.get(f"/api/assets/{b['id']}").json()["status"] == "spare"


def test_bulk_update_of_a_missing_asset_names_its_index(client):
    a = make_asset(client, "A-1")
    batch = [{"id": a["id"], "name": "X"}, {"id": "00000000-0000-4000-8000-000000000000", "name": "Y"}]
    problem = assert_problem(client.patch("/api/assets", json=batch), 422, field="id")
    assert problem["index"] == 1
    assert client.get(f"/api/assets/{a['id']}").json()["name"] == "Asset A-1"


def test_bulk_update_without_ids_is_refused_naming_id(client):
    make_asset(client, "A-1")
    assert_problem(client.patch("/api/assets", json=[{"name": "X"}]), 422, field="id")


def test_null_for_a_required_field_is_refused(client):
    asset = make_asset(client, "A-1")
    assert_problem(client.patch(f"/api/assets/{asset['id']}", json={"name": None}), 422, field="name")
    assert_problem(client.patch(f"/api/assets/{asset['id']}", json={"mapx": None, "mapy": 3}), 422, field="mapx")


def test_a_body_that_is_not_an_object_is_refused(client):
    assert_problem(client.post("/api/assets", json="A-1"), 422, field="body")
    assert_problem(client.post("/api/assets", json=[]), 422, field="body")


def test_location_filter_includes_assets_anywhere_below(client):
    hall = make_location(client, "Hall A", kind="building")
    area = make_location(client, "Machining", hall)
    cell = make_location(client, "Cell 1", area)
    other = make_location(client, "Hall B", kind="building")
    make_asset(client, "A-1", location=cell["id"])
    make_asset(client, "A-2", location=area["id"])
    make_asset(client, "A-3", location=other["id"])
    assert client.get("/api/assets", params={"location": hall["id"]}).json()["count"] == 2
    assert client.get("/api/assets", params={"location": cell["id"]}).json()["count"] == 1
    assert_problem(client.get("/api/assets", params={"location": "hall"}), 422, field="location")


def test_a_model_brings_its_vendor_and_another_vendors_model_is_refused(client):
    vendors = {v["name"]: v for v in client.get("/api/assets/vendors").json()["results"]}
    models = client.get("/api/assets/models", params={"vendor": vendors["Keyence"]["id"]}).json()["results"]
    asset = make_asset(client, "A-1", model=models[0]["id"])
    assert asset["vendor"]["id"] == vendors["Keyence"]["id"]
    body = {"assetnumber": "A-2", "name": "X", "type": "tool", "vendor": vendors["Linde"]["id"], "model": models[0]["id"]}
    assert_problem(client.post("/api/assets", json=body), 422, field="model")


def test_listing_a_page_reads_the_count_and_the_page_in_two_queries(client, database):
    hall = make_location(client, "Hall A")
    vendor = client.get("/api/assets/vendors").json()["results"][0]
    batch = [{"assetnumber": f"A-{n}", "name": f"N{n}", "type": "tool", "location": hall["id"], "vendor": vendor["id"]}
             for n in range(20)]
    assert client.post("/api/assets", json=batch).status_code == 201
    statements = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT") and "assets" in statement:
            statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        page = client.get("/api/assets", params={"limit": 20}).json()
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    assert len(page["results"]) == 20 and all(r["location"]["name"] == "Hall A" for r in page["results"])
    assert len(statements) == 2, statements


def test_an_asset_number_differing_only_in_case_is_taken(client):
    assert client.post("/api/assets", json={"assetnumber": "G-0001", "name": "Gauge", "type": "tool"}).status_code == 201
    assert_problem(client.post("/api/assets", json={"assetnumber": "g-0001", "name": "Other", "type": "tool"}), 409, field="assetnumber")
    other = client.post("/api/assets", json={"assetnumber": "G-0002", "name": "Other", "type": "tool"}).json()
    assert_problem(client.patch(f"/api/assets/{other['id']}", json={"assetnumber": "g-0001"}), 409, field="assetnumber")
    # Its own number in another case is a rename, not a clash.
    renamed = client.patch(f"/api/assets/{other['id']}", json={"assetnumber": "g-0002"})
    assert renamed.status_code == 200 and renamed.json()["assetnumber"] == "g-0002"


def test_a_filter_on_reference_data_refuses_an_unknown_value_naming_it(client):
    assert_problem(client.get("/api/assets", params={"status": "broken"}), 422, field="status")
    assert_problem(client.get("/api/assets", params={"type": "spaceship"}), 422, field="type")
    assert client.get("/api/assets", params={"status": "in_use"}).status_code == 200
