"""Every write computers offers leaves an audit event in its outbox with the right before/after values.

The walk is driven by computers' own OpenAPI: a write operation nobody describes below fails
the coverage check, so a new endpoint cannot arrive unaudited. A computer's events are keyed
by its core asset's UUID, so the asset's history in core shows them.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update

from shopdb_contract.testing.audit import AuditWalk, check_event, write_operations
from shopdb_contract.testing.auth import signing_key
from shopdb_computers.models import Outbox
from shopdb_computers.reference.models import ComputerType

CSV = {"Content-Type": "text/csv"}
COLLECTOR = "/api/collector/computers"
WALK_TYPE = "walk_station"


def Walk(client) -> AuditWalk:
    return AuditWalk(client, Outbox, "computers")


def check(events: list[dict], **kw) -> dict:
    return check_event(events, service="computers", **kw)


def pc(hostname: str, **fields) -> dict:
    record = {
        "hostname": hostname, "osname": "Windows 10 IoT Enterprise", "osversion": "21H2", "lastuser": "op1",
        "serialnumber": f"SN-{hostname}", "memory_mb": 16384,
        "applications": [{"name": "Fanuc FOCAS", "version": "4.2", "publisher": "Fanuc"}],
        "interfaces": [{"name": "Ethernet", "mac": "00:1A:2B:3C:4D:5E", "ipaddresses": ["10.1.2.3"]}],
    }
    record.update(fields)
    return record


def scenario(walk: Walk, push_headers: dict) -> set[tuple[str, str]]:
    """Each write once, with what its event must say. Returns the (METHOD, path) walked."""
    done: set[tuple[str, str]] = set()

    def step(method, template, path, **kw):
        done.add((method, template))
        return walk.expect(method, path, **kw)

    step("POST", "/api/computers/types", "/api/computers/types", entity="computer_type", action="create",
         entity_id=WALK_TYPE, changes={"label": (None, "Walk station"), "sortorder": (None, 500)},
         headers=signing_key().headers("admin"), json={"key": WALK_TYPE, "label": "Walk station", "sortorder": 500})

    # --- by hand: create, update, retire, restore ------------------------------------------
    pc1 = step("POST", "/api/computers", "/api/computers", entity="computer", action="create",
               entity_id=lambda body: body["id"],
               changes={"hostname": (None, "PC-WALK-1"), "computertype": (None, WALK_TYPE),
                        "osname": (None, "Windows 11"), "source": (None, "manual"), "state": (None, "active"),
                        "applications": (None, [{"name": "Notepad++", "version": "8.6", "publisher": ""}])},
               json={"hostname": "PC-WALK-1", "computertype": WALK_TYPE, "osname": "Windows 11",
                     "applications": [{"name": "Notepad++", "version": "8.6"}]})
    step("PATCH", "/api/computers/{asset_id}", f"/api/computers/{pc1['id']}", entity="computer", action="update",
         entity_id=pc1["id"], changes={"lastuser": ("", "jdoe"), "memory_mb": (None, 8192),
                                       "locked_fields": ([], ["osname"])},
         json={"lastuser": "jdoe", "memory_mb": 8192, "locked_fields": ["osname"]})
    step("DELETE", "/api/computers/{asset_id}", f"/api/computers/{pc1['id']}", entity="computer", action="delete",
         entity_id=pc1["id"], changes={"state": ("active", "retired")})
    step("POST", "/api/computers/{asset_id}/restore", f"/api/computers/{pc1['id']}/restore", entity="computer",
         action="restore", entity_id=pc1["id"], changes={"state": ("retired", "active")})

    # --- collector push: created, then updated, then unchanged ------------------------------
    done.add(("POST", COLLECTOR))
    first = walk.write("POST", COLLECTOR, headers=push_headers, json={"records": [pc("PC-PUSH-1")]})
    assert [r["outcome"] for r in first["results"]] == ["created"]
    pushed = first["results"][0]["id"]
    event = check(walk.events(), entity="computer", entity_id=pushed, action="create", what="push (new)",
                  changes={"hostname": (None, "PC-PUSH-1"), "osversion": (None, "21H2"),
                           "source": (None, "collector"), "state": (None, "active")})
    assert event["actor"]["kind"] == "token"
    second = walk.write("POST", COLLECTOR, headers=push_headers,
                        json={"records": [pc("PC-PUSH-1", osversion="22H2", applications=[])]})
    assert [r["outcome"] for r in second["results"]] == ["updated"]
    event = check(walk.events(), entity="computer", entity_id=pushed, action="update", what="push (changed)",
                  changes={"osversion": ("21H2", "22H2"),
                           "applications": ([{"name": "Fanuc FOCAS", "version": "4.2", "publisher": "Fanuc"}], [])})
    assert set(event["changes"]) == {"osversion", "applications"}
    third = walk.write("POST", COLLECTOR, headers=push_headers,
                       json={"records": [pc("PC-PUSH-1", osversion="22H2", applications=[])]})
    assert [r["outcome"] for r in third["results"]] == ["unchanged"]
    assert walk.events() == [], "an unchanged re-push writes no audit event"

    # --- CSV import: a dry run writes nothing, a real run writes each row's event ------------
    done.add(("POST", "/api/computers/import"))
    text = f"hostname,computertype,osname\nPC-WALK-1,{WALK_TYPE},Windows 11 IoT\nPC-IMP-1,office,Windows 11\n"
    dry = walk.write("POST", "/api/computers/import?dry_run=true", content=text, headers=CSV)
    assert [r["outcome"] for r in dry["results"]] == ["updated", "created"]
    assert walk.events() == [], "a dry run writes no audit event"
    real = walk.write("POST", "/api/computers/import?dry_run=false", content=text, headers=CSV)
    assert [r["outcome"] for r in real["results"]] == ["updated", "created"]
    events = walk.events()
    check(events, entity="computer", entity_id=pc1["id"], action="update", what="import (known)",
          changes={"osname": ("Windows 11", "Windows 11 IoT")})
    check(events, entity="computer", entity_id=real["results"][1]["id"], action="create", what="import (new)",
          changes={"hostname": (None, "PC-IMP-1"), "computertype": (None, "office"), "source": (None, "import"),
                   "state": (None, "active")})
    return done


def test_every_computers_write_operation_writes_an_audit_event_with_before_and_after(client, push_headers):
    walked = scenario(Walk(client), push_headers)
    operations = write_operations(client.app)
    assert operations - walked == set(), "write operations with no audit check: add them to the scenario"


def test_a_write_that_fails_leaves_no_audit_event(client, push_headers, core):
    walk = Walk(client)
    known = walk.write("POST", "/api/computers", json={"hostname": "PC-KEEP"})
    walk.events()
    # Core refuses the asset (its asset number is taken): neither side is written, nor audited.
    taken = core.post("/api/assets", json={"assetnumber": "PC-CLASH", "name": "a machine", "type": "computer"})
    assert taken.status_code == 201, taken.text
    refused = client.post("/api/computers", json={"hostname": "pc-clash"})
    assert refused.status_code == 409, refused.text
    # A change the rules refuse (an unknown computer type) changes nothing.
    assert client.patch(f"/api/computers/{known['id']}", json={"computertype": "toaster", "lastuser": "x"}).status_code == 422
    # A push whose only record is invalid, and an import whose only row is rejected.
    bad = walk.write("POST", COLLECTOR, headers=push_headers, json={"records": [{"hostname": "PC-BAD", "memory_mb": "lots"}]})
    assert [r["outcome"] for r in bad["results"]] == ["rejected"]
    rejected = walk.write("POST", "/api/computers/import?dry_run=false", content="hostname,type\nPC-IMP,toaster\n", headers=CSV)
    assert [r["outcome"] for r in rejected["results"]] == ["rejected"]
    assert walk.events() == []
    with walk.database.session() as session:
        assert session.execute(select(func.count()).select_from(Outbox)).scalar_one() == 1
    assert client.get("/api/computers", params={"hostname__ie": "pc-clash"}).json()["count"] == 0


@pytest.fixture(autouse=True)
def _no_walk_type_left(client):
    forget = lambda: _forget_type(client.app.state.database)  # noqa: E731
    forget()
    yield
    forget()


def _forget_type(database) -> None:
    from shopdb_computers.computers.models import Computer

    with database.transaction() as session:
        session.execute(update(Computer).where(Computer.computertype == WALK_TYPE).values(computertype=None))
        session.execute(delete(ComputerType).where(ComputerType.key == WALK_TYPE))
