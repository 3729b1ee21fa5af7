"""Every write equipment offers leaves an audit event in its outbox with the right before/after values.

The walk is driven by equipment's own OpenAPI: a write operation nobody describes below fails
the coverage check, so a new endpoint cannot arrive unaudited. A machine's events are keyed
by its core asset's UUID, so the asset's history in core shows them.
"""

from __future__ import annotations

from sqlalchemy import func, select

from shopdb_contract.testing.audit import AuditWalk, check_event, write_operations
from shopdb_contract.testing.auth import signing_key
from shopdb_equipment.models import Outbox

CSV = {"Content-Type": "text/csv"}
COLLECTOR = "/api/collector/equipment"


def Walk(client) -> AuditWalk:
    return AuditWalk(client, Outbox, "equipment")


def check(events: list[dict], **kw) -> dict:
    return check_event(events, service="equipment", **kw)


def push_headers() -> dict:
    return signing_key().headers("editor", kind="token", name="machine-collector", services=["equipment"])


def scenario(walk: Walk) -> set[tuple[str, str]]:
    """Each write once, with what its event must say. Returns the (METHOD, path) walked."""
    done: set[tuple[str, str]] = set()

    def step(method, template, path, **kw):
        done.add((method, template))
        return walk.expect(method, path, **kw)

    # --- by hand: create, update, retire, restore ------------------------------------------
    lathe = step("POST", "/api/equipment", "/api/equipment", entity="equipment", action="create",
                 entity_id=lambda body: body["id"],
                 changes={"machinenumber": (None, "2001"), "equipmenttype": (None, "lathe"),
                          "controllertype": (None, "fanuc"), "department": (None, "Turning"),
                          "criticality": (None, "medium"), "state": (None, "active")},
                 json={"machinenumber": "2001", "equipmenttype": "lathe", "controllertype": "fanuc",
                       "department": "Turning", "name": "Lathe 2001"})
    step("PATCH", "/api/equipment/{asset_id}", f"/api/equipment/{lathe['id']}", entity="equipment",
         action="update", entity_id=lathe["id"],
         changes={"criticality": ("medium", "high"), "controllerversion": ("", "31i-B")},
         json={"criticality": "high", "controllerversion": "31i-B"})
    step("DELETE", "/api/equipment/{asset_id}", f"/api/equipment/{lathe['id']}", entity="equipment",
         action="delete", entity_id=lathe["id"], changes={"state": ("active", "retired")})
    step("POST", "/api/equipment/{asset_id}/restore", f"/api/equipment/{lathe['id']}/restore", entity="equipment",
         action="restore", entity_id=lathe["id"], changes={"state": ("retired", "active")})

    # --- collector push: created and updated in one batch, then unchanged -------------------
    done.add(("POST", COLLECTOR))
    batch = {"records": [
        {"machinenumber": "3001", "equipmenttype": "mill", "controllertype": "heidenhain", "serialnumber": "SN-3001"},
        # The department is sent as it is stored: only the controller version changes.
        {"machinenumber": "2001", "controllerversion": "31i-B5", "department": "Turning"},
    ]}
    first = walk.write("POST", COLLECTOR, headers=push_headers(), json=batch)
    assert [r["outcome"] for r in first["results"]] == ["created", "updated"]
    events = walk.events()
    event = check(events, entity="equipment", entity_id=first["results"][0]["id"], action="create", what="push (new)",
                  changes={"machinenumber": (None, "3001"), "equipmenttype": (None, "mill"),
                           "controllertype": (None, "heidenhain"), "serialnumber": (None, "SN-3001"),
                           "state": (None, "active")})
    assert event["actor"]["kind"] == "token"
    event = check(events, entity="equipment", entity_id=lathe["id"], action="update", what="push (changed)",
                  changes={"controllerversion": ("31i-B", "31i-B5")})
    assert set(event["changes"]) == {"controllerversion"}
    again = walk.write("POST", COLLECTOR, headers=push_headers(), json=batch)
    assert [r["outcome"] for r in again["results"]] == ["unchanged", "unchanged"]
    assert walk.events() == [], "an unchanged re-push writes no audit event"

    # --- CSV import: a dry run writes nothing, a real run writes each row's event ------------
    done.add(("POST", "/api/equipment/import"))
    text = "Machine Number,Type,Controller,Criticality\n3001,mill,siemens,\n4001,grinder,,critical\n"
    dry = walk.write("POST", "/api/equipment/import?dry_run=true", content=text, headers=CSV)
    assert [r["outcome"] for r in dry["results"]] == ["updated", "created"]
    assert walk.events() == [], "a dry run writes no audit event"
    real = walk.write("POST", "/api/equipment/import?dry_run=false", content=text, headers=CSV)
    assert [r["outcome"] for r in real["results"]] == ["updated", "created"]
    events = walk.events()
    check(events, entity="equipment", entity_id=first["results"][0]["id"], action="update", what="import (known)",
          changes={"controllertype": ("heidenhain", "siemens")})
    check(events, entity="equipment", entity_id=real["results"][1]["id"], action="create", what="import (new)",
          changes={"machinenumber": (None, "4001"), "equipmenttype": (None, "grinder"),
                   "criticality": (None, "critical"), "state": (None, "active")})
    return done


def test_every_equipment_write_operation_writes_an_audit_event_with_before_and_after(client):
    walked = scenario(Walk(client))
    operations = write_operations(client.app)
    assert operations - walked == set(), "write operations with no audit check: add them to the scenario"


def test_a_write_that_fails_leaves_no_audit_event(client, core):
    walk = Walk(client)
    known = walk.write("POST", "/api/equipment", json={"machinenumber": "2001", "equipmenttype": "lathe"})
    walk.events()
    # Core refuses the asset (its asset number is taken): neither side is written, nor audited.
    taken = core.post("/api/assets", json={"assetnumber": "M-CLASH", "name": "a computer", "type": "generic"})
    assert taken.status_code == 201, taken.text
    refused = client.post("/api/equipment", json={"machinenumber": "5001", "equipmenttype": "mill", "assetnumber": "M-CLASH"})
    assert refused.status_code == 409, refused.text
    # A change core refuses (its asset number is taken) leaves the details as they were.
    refused = client.patch(f"/api/equipment/{known['id']}", json={"department": "Turning", "assetnumber": "M-CLASH"})
    assert refused.status_code == 409, refused.text
    assert client.get(f"/api/equipment/{known['id']}").json()["department"] == ""
    # A change the rules refuse (an unknown equipment type) changes nothing.
    assert client.patch(f"/api/equipment/{known['id']}", json={"equipmenttype": "spaceship"}).status_code == 422
    # A push whose only record is invalid, and an import whose only row is rejected.
    bad = walk.write("POST", COLLECTOR, headers=push_headers(), json={"records": [{"machinenumber": "6001", "equipmenttype": "spaceship"}]})
    assert [r["outcome"] for r in bad["results"]] == ["rejected"]
    rejected = walk.write("POST", "/api/equipment/import?dry_run=false", content="machinenumber,type\n7001,spaceship\n", headers=CSV)
    assert [r["outcome"] for r in rejected["results"]] == ["rejected"]
    assert walk.events() == []
    with walk.database.session() as session:
        assert session.execute(select(func.count()).select_from(Outbox)).scalar_one() == 1
    assert client.get("/api/equipment", params={"machinenumber": "5001"}).json()["count"] == 0
