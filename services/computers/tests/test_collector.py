"""The collector push at /api/collector/computers, driven by the reference Python collector."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import func, select

from shopdb_contract.testing.auth import signing_key
from shopdb_contract.testing.resource import assert_problem
from shopdb_computers.models import Outbox

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "collectors" / "python"))
import shopdb_collect  # noqa: E402

URL = "/api/collector/computers"


def pc(hostname: str, **fields) -> dict:
    record = {
        "hostname": hostname, "osname": "Windows 10 IoT Enterprise", "osversion": "21H2", "lastuser": "op1",
        "serialnumber": f"SN-{hostname}", "memory_mb": 16384, "lastboot": "2026-11-01T06:00:00Z",
        "applications": [{"name": "Fanuc FOCAS", "version": "4.2", "publisher": "Fanuc"}, {"name": "7-Zip", "version": "23.01"}],
        "interfaces": [{"name": "Ethernet", "mac": "00:1A:2B:3C:4D:5E", "ipaddresses": ["10.1.2.3"]}],
    }
    record.update(fields)
    return record


def push(client, headers, records):
    return shopdb_collect.push(records, url=URL, http=client, headers=headers)


def audit_count(database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Outbox))


def get(client, hostname: str) -> dict:
    found = client.get("/api/computers", params={"hostname__ie": hostname}).json()["results"]
    assert len(found) == 1, found
    return client.get(f"/api/computers/{found[0]['id']}").json()


def test_a_batch_gets_created_updated_unchanged_and_rejected(client, push_headers):
    push(client, push_headers, [pc("PC-UPD"), pc("PC-SAME")])
    answer = push(client, push_headers, [
        pc("PC-NEW"),
        pc("PC-UPD", osversion="22H2"),
        pc("PC-SAME"),
        {"hostname": "PC-BAD", "memory_mb": "lots"},
    ])
    outcomes = [(r["identity"], r["outcome"]) for r in answer["results"]]
    assert outcomes == [("PC-NEW", "created"), ("PC-UPD", "updated"), ("PC-SAME", "unchanged"), ("PC-BAD", "rejected")]
    assert answer["results"][1]["changed"] == ["osversion"]
    assert answer["results"][3]["field"] == "memory_mb"
    assert (answer["created"], answer["updated"], answer["unchanged"], answer["rejected"]) == (1, 1, 1, 1)
    assert get(client, "PC-UPD")["osversion"] == "22H2"
    new = get(client, "PC-NEW")
    assert new["applications"][0]["name"] == "Fanuc FOCAS" and new["interfaces"][0]["mac"] == "00:1A:2B:3C:4D:5E"
    assert new["serialnumber"] == "SN-PC-NEW" and new["assetnumber"] == "PC-NEW"


def test_the_same_push_again_changes_nothing_and_writes_no_audit(client, push_headers, database, core):
    batch = [pc("PC-1"), pc("PC-2", applications=[{"name": f"App {n}"} for n in range(40)])]
    push(client, push_headers, batch)
    before_local, before_core = audit_count(database), _core_outbox(core)
    again = push(client, push_headers, batch)
    assert [r["outcome"] for r in again["results"]] == ["unchanged", "unchanged"]
    assert audit_count(database) == before_local
    assert _core_outbox(core) == before_core


def _core_outbox(core) -> int:
    from shopdb_core.audit.models import Outbox as CoreOutbox

    with core.app.state.database.session() as session:
        return session.scalar(select(func.count()).select_from(CoreOutbox))


def test_a_null_or_missing_field_never_blanks_a_value(client, push_headers):
    push(client, push_headers, [pc("PC-1", domain="PLANT")])
    answer = push(client, push_headers, [{"hostname": "pc-1", "domain": None, "osversion": "22H2"}])
    assert answer["results"][0]["changed"] == ["hostname", "osversion"]
    stored = get(client, "PC-1")
    assert (stored["domain"], stored["lastuser"], stored["osversion"]) == ("PLANT", "op1", "22H2")
    assert len(stored["applications"]) == 2


def test_locked_fields_are_never_overwritten_by_a_collector(client, push_headers):
    push(client, push_headers, [pc("PC-1")])
    stored = get(client, "PC-1")
    patched = client.patch(f"/api/computers/{stored['id']}", json={"lastuser": "cell-7 kiosk", "locked_fields": ["lastuser", "applications"]})
    assert patched.status_code == 200, patched.text
    answer = push(client, push_headers, [pc("PC-1", lastuser="op2", osversion="22H2", applications=[])])
    assert answer["results"][0]["changed"] == ["osversion"]
    stored = get(client, "PC-1")
    assert stored["lastuser"] == "cell-7 kiosk" and len(stored["applications"]) == 2


def test_one_bad_record_never_rejects_the_good_ones(client, push_headers):
    answer = push(client, push_headers, [
        pc("PC-1"), {"osname": "no hostname"}, pc("PC-2", unknownfield=1), pc("pc-1"), pc("PC-3", interfaces=[{"name": "x", "mac": "nope"}]), pc("PC-4"),
    ])
    results = answer["results"]
    assert [r["outcome"] for r in results] == ["created", "rejected", "rejected", "rejected", "rejected", "created"]
    assert [r.get("field") for r in results[1:5]] == ["hostname", "unknownfield", "hostname", "interfaces[0].mac"]
    assert "more than once" in results[3]["reason"]


def test_push_needs_a_token_limited_to_computers(client):
    assert_problem(client.post(URL, json={"records": [pc("PC-1")]}), 403)  # the client's own editor login
    other = signing_key().headers("editor", kind="token", services=["equipment"])
    assert_problem(client.post(URL, json={"records": [pc("PC-1")]}, headers=other), 403)
    assert_problem(client.post(URL, json={"records": [pc("PC-1")]}, headers={"Authorization": ""}), 401)
    assert client.get("/api/computers").json()["count"] == 0


def test_a_batch_above_the_maximum_is_refused_whole(client, push_headers):
    response = client.post(URL, json={"records": [pc(f"PC-{n}") for n in range(1001)]}, headers=push_headers)
    assert_problem(response, 413, field="records")
    assert client.get("/api/computers").json()["count"] == 0


def test_schema_is_served_for_collector_authors(client):
    schema = client.get(f"{URL}/schema").json()
    assert schema["x-identityfield"] == "hostname" and schema["x-max-batch"] == 1000
    assert "applications" in schema["$defs"]["record"]["properties"]


def test_stale_lists_computers_not_seen_for_the_given_days(client, push_headers, database):
    from datetime import timedelta

    from sqlalchemy import update

    from shopdb_contract.db import utcnow
    from shopdb_computers.computers.models import Computer

    push(client, push_headers, [pc("PC-OLD"), pc("PC-NEW")])
    with database.transaction() as session:
        session.execute(update(Computer).where(Computer.hostname == "PC-OLD").values(last_seen=utcnow() - timedelta(days=40)))
    stale = client.get(f"{URL}/stale", params={"days": 30}).json()
    assert [r["hostname"] for r in stale["results"]] == ["PC-OLD"]
    assert client.get(f"{URL}/stale", params={"days": 50}).json()["count"] == 0
    assert client.get("/api/computers").json()["count"] == 2  # reported, never deleted


def test_a_record_core_refuses_is_rejected_and_the_others_created(client, push_headers, core):
    taken = core.post("/api/assets", json={"assetnumber": "PC-CLASH", "name": "a machine", "type": "computer"})
    assert taken.status_code == 201, taken.text
    answer = push(client, push_headers, [pc("PC-1"), pc("pc-clash"), pc("PC-2")])
    assert [r["outcome"] for r in answer["results"]] == ["created", "rejected", "created"]
    assert answer["results"][1]["field"] == "hostname" and "taken" in answer["results"][1]["reason"]
    assert client.get("/api/computers").json()["count"] == 2
