"""Equipment across services: create both or neither, idempotent retries, the assets that
control a machine (from core), retire in core mirrored here, audit keyed by the core asset's UUID."""

from __future__ import annotations

from sqlalchemy import func, select

from shopdb_contract.testing.resource import assert_problem
from shopdb_core.assets.models import Asset
from shopdb_equipment.equipment.models import Equipment
from shopdb_equipment.models import Outbox

MACHINE = {"machinenumber": "2001", "equipmenttype": "lathe", "controllertype": "fanuc", "assetnumber": "M-2001"}


def counts(client, core):
    with client.app.state.database.session() as s:
        details = s.scalar(select(func.count()).select_from(Equipment))
    with core.app.state.database.session() as s:
        assets = s.scalar(select(func.count()).select_from(Asset))
    return details, assets


def test_create_makes_the_core_asset_with_the_machines_fields(client, core):
    created = client.post("/api/equipment", json={**MACHINE, "name": "Lathe 2001", "mapx": 10.0, "mapy": 20.0}).json()
    asset = client.app.state.core.get_asset(created["id"])
    assert (asset["type"], asset["assetnumber"], asset["name"], asset["mapx"]) == ("equipment", "M-2001", "Lathe 2001", 10.0)
    assert created["status"] == "in_use" and created["state"] == "active"


def test_a_retried_create_with_the_same_idempotency_key_does_not_duplicate(client, core):
    headers = {"Idempotency-Key": "import-2001"}
    first = client.post("/api/equipment", json=MACHINE, headers=headers)
    again = client.post("/api/equipment", json=MACHINE, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers.get("idempotent-replayed") == "true"
    assert counts(client, core) == (1, 1)
    other = client.post("/api/equipment", json={**MACHINE, "department": "x"}, headers=headers)
    assert_problem(other, 422, field="Idempotency-Key")


def test_a_create_core_refuses_leaves_nothing_behind(client, core):
    assert client.post("/api/equipment", json=MACHINE).status_code == 201
    # Same asset number, new machine number: core refuses, so the details must go too.
    refused = client.post("/api/equipment", json={**MACHINE, "machinenumber": "2002"})
    assert_problem(refused, 409, field="assetnumber")
    assert counts(client, core) == (1, 1)
    assert client.get("/api/equipment", params={"machinenumber": "2002"}).json()["count"] == 0


def test_a_taken_machine_number_is_refused_before_core_is_asked(client, core):
    assert client.post("/api/equipment", json=MACHINE).status_code == 201
    assert_problem(client.post("/api/equipment", json={**MACHINE, "assetnumber": "M-9"}), 409, field="machinenumber")
    assert counts(client, core) == (1, 1)


def test_the_equipment_view_lists_the_computers_that_control_it(client, core):
    machine = client.post("/api/equipment", json=MACHINE).json()
    # Another machine stands in for the PC: core checks the link, not the source's type.
    pc = client.post("/api/equipment", json={**MACHINE, "machinenumber": "PC", "assetnumber": "PC-1"}).json()
    client.app.state.core.create_relationship(type="controls", source=pc["id"], target=machine["id"], inheritsposition=True)
    view = client.get(f"/api/equipment/{machine['id']}").json()
    assert [c["id"] for c in view["controlledby"]] == [pc["id"]]
    assert view["controlledby"][0]["inheritsposition"] is True
    # From core alone: the controlling asset's number and name, no other service asked.
    assert (view["controlledby"][0]["assetnumber"], view["controlledby"][0]["name"]) == ("PC-1", "PC")


def test_a_machine_retired_in_core_is_retired_here(client, core):
    machine = client.post("/api/equipment", json=MACHINE).json()
    client.app.state.core.retire_asset(machine["id"])
    # What the events consumer does with core's shopdb.events.core.asset_retired.
    domain = client.app.state.domain
    assert domain.apply_core_event("asset_retired", {"id": machine["id"], "type": "equipment"}) is True
    assert client.get(f"/api/equipment/{machine['id']}").json()["state"] == "retired"
    assert client.get("/api/equipment").json()["count"] == 0
    assert domain.apply_core_event("asset_retired", {"id": machine["id"], "type": "equipment"}) is False


def test_delete_retires_both_and_restore_brings_both_back(client, core):
    machine = client.post("/api/equipment", json=MACHINE).json()
    assert client.delete(f"/api/equipment/{machine['id']}").status_code == 204
    assert client.app.state.core.get_asset(machine["id"])["status"] == "retired"
    restored = client.post(f"/api/equipment/{machine['id']}/restore")
    assert restored.status_code == 200, restored.text
    assert restored.json()["state"] == "active" and restored.json()["status"] == "in_use"


def test_audit_events_of_the_details_carry_the_core_assets_uuid(client, core):
    machine = client.post("/api/equipment", json=MACHINE).json()
    client.patch(f"/api/equipment/{machine['id']}", json={"department": "Turning"})
    with client.app.state.database.session() as s:
        payloads = [row.payload for row in s.execute(select(Outbox)).all()]
    audits = [p for p in payloads if p.get("entity_type") == "equipment"]
    assert [p["action"] for p in audits] == ["create", "update"]
    assert {p["entity_id"] for p in audits} == {machine["id"]}
    assert audits[1]["changes"] == {"department": {"before": "", "after": "Turning"}}


def test_reference_data_is_seeded(client):
    types = {t["key"] for t in client.get("/api/equipment/types").json()["results"]}
    controllers = {t["key"] for t in client.get("/api/equipment/controllertypes").json()["results"]}
    assert {"lathe", "mill", "grinder", "edm", "cmm"} <= types
    assert {"fanuc", "siemens", "heidenhain"} <= controllers


def test_collector_push_creates_updates_keeps_and_rejects_and_a_repush_changes_nothing(client, core):
    from shopdb_contract.testing.auth import signing_key

    client.post("/api/equipment", json=MACHINE)
    client.post("/api/equipment", json={**MACHINE, "machinenumber": "2002", "assetnumber": "M-2002"})
    token = signing_key().headers("editor", kind="token", services=["equipment"])
    batch = {"records": [
        {"machinenumber": "3001", "equipmenttype": "mill"},
        {"machinenumber": "2001", "controllerversion": "31i-B"},
        {"machinenumber": "2002", "equipmenttype": "lathe"},
        {"machinenumber": "4001", "equipmenttype": "spaceship"},
    ]}
    first = client.post("/api/collector/equipment", json=batch, headers=token)
    assert first.status_code == 200, first.text
    assert [r["outcome"] for r in first.json()["results"]] == ["created", "updated", "unchanged", "rejected"]
    assert first.json()["results"][1]["changed"] == ["controllerversion"]
    assert first.json()["results"][3]["field"] == "equipmenttype"
    with client.app.state.database.session() as s:
        before = s.scalar(select(func.count()).select_from(Outbox))
    again = client.post("/api/collector/equipment", json=batch, headers=token).json()
    assert [r["outcome"] for r in again["results"]] == ["unchanged", "unchanged", "unchanged", "rejected"]
    with client.app.state.database.session() as s:
        assert s.scalar(select(func.count()).select_from(Outbox)) == before
    assert counts(client, core) == (3, 3)


def test_a_field_a_person_locked_is_never_overwritten_by_a_collector(client, core):
    from shopdb_contract.testing.auth import signing_key

    machine = client.post("/api/equipment", json={**MACHINE, "controllerversion": "31i-A"}).json()
    locked = client.patch(f"/api/equipment/{machine['id']}", json={"locked_fields": ["controllerversion"]})
    assert locked.status_code == 200, locked.text
    assert locked.json()["locked_fields"] == ["controllerversion"]
    token = signing_key().headers("editor", kind="token", services=["equipment"])
    pushed = client.post(
        "/api/collector/equipment",
        json={"records": [{"machinenumber": "2001", "controllerversion": "31i-B", "department": "Turning"}]},
        headers=token,
    )
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["results"][0]["changed"] == ["department"]
    now = client.get(f"/api/equipment/{machine['id']}").json()
    assert (now["controllerversion"], now["department"]) == ("31i-A", "Turning")


def test_locking_a_field_collectors_do_not_send_is_refused_naming_it(client, core):
    machine = client.post("/api/equipment", json=MACHINE).json()
    response = client.patch(f"/api/equipment/{machine['id']}", json={"locked_fields": ["colour"]})
    assert_problem(response, 422, field="locked_fields")


def test_a_filter_on_a_fixed_choice_or_reference_data_refuses_an_unknown_value(client, core):
    client.post("/api/equipment", json=MACHINE)
    assert_problem(client.get("/api/equipment", params={"criticality": "whenever"}), 422, field="criticality")
    assert_problem(client.get("/api/equipment", params={"equipmenttype": "spaceship"}), 422, field="equipmenttype")
    assert client.get("/api/equipment", params={"criticality": "medium"}).json()["count"] == 1
