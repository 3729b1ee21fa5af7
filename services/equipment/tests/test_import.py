"""CSV import of machines on a real database and a real core: upsert by machine number."""

from __future__ import annotations

from sqlalchemy import func, select

from shopdb_contract.testing.auth import signing_key
from shopdb_equipment.models import Outbox

CSV = {"Content-Type": "text/csv"}

FILE = (
    "Machine Number,Type,Controller,Department,Name\n"
    "2001,Lathe,Fanuc,Turning,Lathe 2001\n"   # stored the same -> unchanged
    "2002,mill,heidenhain,Milling,Mill 2002\n"  # department and name differ -> updated
    "3001,spaceship,,,\n"                     # unknown equipment type -> rejected
    "4001,grinder,siemens,Grinding,\n"        # new -> created
)


def _seed(client):
    for body in (
        {"machinenumber": "2001", "equipmenttype": "lathe", "controllertype": "fanuc", "department": "Turning", "name": "Lathe 2001"},
        {"machinenumber": "2002", "equipmenttype": "mill", "controllertype": "heidenhain", "department": "Turning"},
    ):
        assert client.post("/api/equipment", json=body).status_code == 201


def _events(client) -> int:
    with client.app.state.database.session() as session:
        return session.scalar(select(func.count()).select_from(Outbox))


def _import(client, text, *, dry_run):
    response = client.post(f"/api/equipment/import?dry_run={str(dry_run).lower()}", content=text, headers=CSV)
    assert response.status_code == 200, response.text
    return response.json()


def test_dry_run_reports_created_updated_unchanged_rejected_and_writes_nothing(client, core):
    _seed(client)
    events = _events(client)
    result = _import(client, FILE, dry_run=True)
    assert [(r["row"], r["identity"], r["outcome"]) for r in result["results"]] == [
        (2, "2001", "unchanged"), (3, "2002", "updated"), (4, "3001", "rejected"), (5, "4001", "created"),
    ]
    assert result["results"][1]["changed"] == ["department", "name"]
    assert result["results"][2]["field"] == "equipmenttype"
    assert client.get("/api/equipment", params={"machinenumber": "4001"}).json()["count"] == 0
    assert core.get("/api/assets", params={"type": "equipment"}).json()["count"] == 2
    assert _events(client) == events


def test_real_run_creates_core_asset_and_details_updates_both_and_a_rerun_changes_nothing(client, core):
    _seed(client)
    result = _import(client, FILE, dry_run=False)
    assert (result["created"], result["updated"], result["unchanged"], result["rejected"]) == (1, 1, 1, 1)
    created = result["results"][3]["id"]
    machine = client.get(f"/api/equipment/{created}").json()
    assert (machine["machinenumber"], machine["equipmenttype"], machine["controllertype"]) == ("4001", "grinder", "siemens")
    assert core.get(f"/api/assets/{created}").json()["type"] == "equipment"
    updated = client.get(f"/api/equipment/{result['results'][1]['id']}").json()
    assert (updated["department"], updated["name"]) == ("Milling", "Mill 2002")
    assert core.get(f"/api/assets/{updated['id']}").json()["name"] == "Mill 2002"

    events = _events(client)
    again = _import(client, FILE, dry_run=False)
    assert [r["outcome"] for r in again["results"]] == ["unchanged", "unchanged", "rejected", "unchanged"]
    assert _events(client) == events
    assert core.get("/api/assets", params={"type": "equipment"}).json()["count"] == 3


def test_a_row_core_refuses_is_rejected_and_leaves_no_machine(client, core):
    _seed(client)
    taken = client.get("/api/equipment", params={"machinenumber": "2001"}).json()["results"][0]["assetnumber"]
    result = _import(client, f"machinenumber,equipmenttype,assetnumber\n5001,lathe,{taken}\n5002,mill,\n", dry_run=False)
    assert [(r["outcome"], r.get("field")) for r in result["results"]] == [("rejected", "assetnumber"), ("created", None)]
    assert client.get("/api/equipment", params={"machinenumber": "5001"}).json()["count"] == 0


def test_import_needs_the_editor_role(client):
    viewer = signing_key().headers("viewer")
    response = client.post("/api/equipment/import", content="machinenumber\n1\n", headers={**CSV, **viewer})
    assert response.status_code == 403


def test_an_unknown_column_is_refused_naming_it(client):
    response = client.post("/api/equipment/import", content="machinenumber,colour\n1,red\n", headers=CSV)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "colour"
