"""CSV import of PCs on a real database and a real core: upsert by hostname, in any case."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from shopdb_contract.testing.auth import signing_key
from shopdb_computers.models import Outbox

CSV = {"Content-Type": "text/csv"}

FILE = (
    "Hostname;Type;OS;Memory MB;Warranty End\n"
    "pc-2001;shopfloor;Windows 10 IoT;8192;\n"   # stored the same, hostname in another case -> unchanged
    "PC-2002;cmm;Windows 11;16384;2027-01-31\n"  # memory and warranty differ -> updated
    "PC-3001;toaster;;;\n"                       # unknown computer type -> rejected
    "PC-4001;engineering;Windows 11;;\n"         # new -> created
)


def _seed(client):
    for body in (
        {"hostname": "PC-2001", "computertype": "shopfloor", "osname": "Windows 10 IoT", "memory_mb": 8192},
        {"hostname": "PC-2002", "computertype": "cmm", "osname": "Windows 11", "memory_mb": 8192},
    ):
        assert client.post("/api/computers", json=body).status_code == 201


def _events(client) -> int:
    with client.app.state.database.session() as session:
        return session.scalar(select(func.count()).select_from(Outbox))


def _import(client, text, *, dry_run):
    response = client.post(f"/api/computers/import?dry_run={str(dry_run).lower()}", content=text, headers=CSV)
    assert response.status_code == 200, response.text
    return response.json()


def test_dry_run_reports_the_four_outcomes_and_writes_nothing(client, core):
    _seed(client)
    events = _events(client)
    result = _import(client, FILE, dry_run=True)
    assert [(r["row"], r["outcome"]) for r in result["results"]] == [(2, "unchanged"), (3, "updated"), (4, "rejected"), (5, "created")]
    assert result["results"][1]["changed"] == ["memory_mb", "warrantyend"]
    assert result["results"][2]["field"] == "computertype"
    assert client.get("/api/computers", params={"hostname": "PC-4001"}).json()["count"] == 0
    assert _events(client) == events


def test_real_run_writes_each_valid_row_whole_and_a_rerun_changes_nothing(client, core):
    _seed(client)
    result = _import(client, FILE, dry_run=False)
    assert (result["created"], result["updated"], result["unchanged"], result["rejected"]) == (1, 1, 1, 1)
    new = client.get(f"/api/computers/{result['results'][3]['id']}").json()
    assert (new["hostname"], new["computertype"], new["source"]) == ("PC-4001", "engineering", "import")
    assert core.get(f"/api/assets/{new['id']}").json()["type"] == "computer"
    updated = client.get(f"/api/computers/{result['results'][1]['id']}").json()
    assert (updated["memory_mb"], updated["warrantyend"]) == (16384, "2027-01-31")

    events = _events(client)
    again = _import(client, FILE, dry_run=False)
    assert [r["outcome"] for r in again["results"]] == ["unchanged", "unchanged", "rejected", "unchanged"]
    assert _events(client) == events
    assert client.get("/api/computers").json()["count"] == 3


def test_core_fields_are_compared_with_core_and_written_there(client, core):
    _seed(client)
    hall = core.post("/api/locations", json={"name": f"Import hall {uuid.uuid4().hex[:8]}"}).json()["id"]
    result = _import(client, f"hostname,location,serialnumber\nPC-2001,{hall},SN-1\n", dry_run=False)
    assert result["results"][0]["changed"] == ["location", "serialnumber"]
    asset = core.get(f"/api/assets/{result['results'][0]['id']}").json()
    assert (asset["location"]["id"], asset["serialnumber"]) == (hall, "SN-1")
    again = _import(client, f"hostname,location,serialnumber\nPC-2001,{hall},SN-1\n", dry_run=False)
    assert again["results"][0]["outcome"] == "unchanged"


def test_import_needs_the_editor_role(client):
    viewer = signing_key().headers("viewer")
    response = client.post("/api/computers/import", content="hostname\nPC-1\n", headers={**CSV, **viewer})
    assert response.status_code == 403


def test_a_bad_hostname_is_rejected_naming_the_field(client):
    result = _import(client, "hostname\nbad host!\n", dry_run=True)
    assert (result["results"][0]["outcome"], result["results"][0]["field"]) == ("rejected", "hostname")
