"""The generic resource checks for /api/computers, and what is particular to computers."""

from __future__ import annotations

from shopdb_contract.testing.resource import ResourceAPITests, assert_problem


class TestComputersAPI(ResourceAPITests):
    base_path = "/api/computers"
    create_data = [
        {"hostname": "PC-2001", "computertype": "shopfloor", "osname": "Windows 10 IoT", "applications": [{"name": "Fanuc FOCAS", "version": "4.2", "publisher": "Fanuc"}]},
        {"hostname": "PC-2002", "computertype": "cmm", "osname": "Windows 11"},
        {"hostname": "ENG-7", "computertype": "engineering", "osname": "Windows 11", "lastuser": "jdoe"},
    ]
    update_data = {"osversion": "23H2", "lastuser": "asmith"}
    invalid_data = [
        ({"hostname": "bad host!"}, "hostname"),
        ({"hostname": "PC-9", "computertype": "toaster"}, "computertype"),
        ({"hostname": "PC-9", "memory_mb": -1}, "memory_mb"),
        ({"hostname": "PC-9", "locked_fields": ["hostname"]}, "locked_fields"),
    ]
    filter_examples = [
        ({"computertype": "shopfloor"}, 1),
        ({"osname": "Windows 11"}, 2),
        ({"osname__ic": "iot"}, 1),
        ({"application": "Fanuc FOCAS"}, 1),
        ({"application": "Fanuc"}, 0),
        ({"application": "FOCAS"}, 0),
        ({"application__ic": "focas"}, 1),
        ({"hostname__isw": "pc-"}, 2),
        ({"not_seen_since": "2000-01-01T00:00:00Z"}, 3),
    ]
    ordering_field = "hostname"
    brief_fields = {"id", "hostname", "computertype", "state"}
    soft_delete = {"state": "retired", "status": "retired"}


def test_hostname_is_unique_whatever_its_case(client):
    assert client.post("/api/computers", json={"hostname": "PC-2001"}).status_code == 201
    assert_problem(client.post("/api/computers", json={"hostname": "pc-2001"}), 409, field="hostname")


def test_a_computer_is_a_core_asset_of_type_computer(client, core):
    created = client.post("/api/computers", json={"hostname": "PC-2001", "serialnumber": "SN1"}).json()
    asset = core.get(f"/api/assets/{created['id']}").json()
    assert (asset["type"], asset["assetnumber"], asset["name"], asset["serialnumber"]) == ("computer", "PC-2001", "PC-2001", "SN1")
    assert created["assetnumber"] == "PC-2001"


def test_location_filter_asks_core(client, core):
    hall = core.post("/api/locations", json={"name": "Hall 1"}).json()
    inside = client.post("/api/computers", json={"hostname": "PC-1", "location": hall["id"]}).json()
    client.post("/api/computers", json={"hostname": "PC-2"})
    listed = client.get("/api/computers", params={"location": hall["id"]}).json()
    assert [c["id"] for c in listed["results"]] == [inside["id"]]


def test_retiring_and_restoring_reaches_core(client, core):
    created = client.post("/api/computers", json={"hostname": "PC-1"}).json()
    assert client.delete(f"/api/computers/{created['id']}").status_code == 204
    assert core.get(f"/api/assets/{created['id']}").json()["status"] == "retired"
    restored = client.post(f"/api/computers/{created['id']}/restore")
    assert restored.status_code == 200, restored.text
    assert restored.json()["state"] == "active"
    assert core.get(f"/api/assets/{created['id']}").json()["status"] == "in_use"


def test_audit_events_carry_the_core_asset_id(client, database):
    from sqlalchemy import select

    from shopdb_computers.models import Outbox

    created = client.post("/api/computers", json={"hostname": "PC-1"}).json()
    client.patch(f"/api/computers/{created['id']}", json={"lastuser": "jdoe"})
    with database.session() as session:
        events = [row.payload for row in session.execute(select(Outbox).order_by(Outbox.c.id))]
    assert [(e["entity_id"], e["action"]) for e in events] == [(created["id"], "create"), (created["id"], "update")]
    assert events[1]["changes"] == {"lastuser": {"before": "", "after": "jdoe"}}
    assert events[0]["actor"]["name"] == "test-editor"


def test_computer_types_are_seeded(client):
    keys = [t["key"] for t in client.get("/api/computers/types").json()["results"]]
    assert keys == ["shopfloor", "engineering", "cmm", "office", "kiosk", "server"]


def test_position_is_resolved_by_core(client, core):
    created = client.post("/api/computers", json={"hostname": "PC-1"}).json()
    core.patch(f"/api/assets/{created['id']}", json={"mapx": 10, "mapy": 20})
    position = client.get(f"/api/computers/{created['id']}/position").json()
    assert (position["mapx"], position["mapy"]) == (10, 20)
