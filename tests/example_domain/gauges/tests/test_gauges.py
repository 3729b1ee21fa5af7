"""The example domain, written only from declarations, does everything a domain service does:
registered and routed by core, the generic resource checks, create both-or-neither, collector
push with the unchanged fast path, CSV import and export, audit keyed by the asset's UUID."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from shopdb_contract.testing.audit import AuditWalk, check_event, write_operations
from shopdb_contract.testing.resource import ResourceAPITests, assert_problem, names_field

PUSH = "/api/collector/gauges"
CSV = {"Content-Type": "text/csv"}


class TestGaugesAPI(ResourceAPITests):
    base_path = "/api/gauges"
    create_data = [
        {"gaugenumber": "G-001", "kind": "caliper", "lab": "Metrology", "resolution_um": 10},
        {"gaugenumber": "G-002", "kind": "micrometer", "resolution_um": 1},
        {"gaugenumber": "G-003", "kind": "bore", "lab": "Quality", "assetnumber": "A-G003"},
    ]
    update_data = {"lab": "Incoming inspection", "resolution_um": 5}
    invalid_data = [
        ({"gaugenumber": "G-9", "kind": "ruler"}, "kind"),
        ({"gaugenumber": "", "kind": "caliper"}, "gaugenumber"),
        ({"gaugenumber": "G-9", "kind": "caliper", "resolution_um": -1}, "resolution_um"),
    ]
    filter_examples = [
        ({"kind": "caliper"}, 1),
        ({"kind": "caliper,micrometer"}, 2),
        ({"gaugenumber__isw": "G-00"}, 3),
        ({"lab__ic": "metro"}, 1),
        ({"resolution_um__lte": "5"}, 1),
    ]
    ordering_field = "gaugenumber"
    brief_fields = {"id", "gaugenumber", "kind", "state"}
    soft_delete = {"state": "retired", "status": "retired"}


def outbox_count(client) -> int:
    from shopdb_gauges.models import Outbox

    with client.app.state.database.session() as session:
        return session.scalar(select(func.count()).select_from(Outbox))


def test_the_example_is_registered_and_routed_by_core(core):
    service = core.get("/api/services/gauges")
    assert service.status_code == 200, service.text
    assert service.json()["routed"] is True, service.json()
    token = core.app.state.settings.gateway_token.get_secret_value()
    routes = core.get("/internal/gateway/traefik", headers={"X-ShopDB-Gateway-Token": token}).json()
    assert "svc-gauges" in routes["http"]["routers"]
    assert "/api/gauges" in routes["http"]["routers"]["svc-gauges"]["rule"]


def test_create_makes_the_core_asset_and_a_refused_one_leaves_nothing(client, core):
    created = client.post("/api/gauges", json={"gaugenumber": "G-100", "kind": "caliper"})
    assert created.status_code == 201, created.text
    asset = core.get(f"/api/assets/{created.json()['id']}").json()
    assert (asset["type"], asset["assetnumber"], asset["name"]) == ("calibrated_gauge", "G-100", "G-100")
    # Same asset number: core refuses, so the details go too.
    refused = client.post("/api/gauges", json={"gaugenumber": "G-101", "kind": "caliper", "assetnumber": "G-100"})
    assert_problem(refused, 409, field="assetnumber")
    assert client.get("/api/gauges", params={"gaugenumber": "G-101"}).json()["count"] == 0
    assert core.get("/api/assets", params={"type": "calibrated_gauge"}).json()["count"] == 1


def test_reference_data_is_listed_and_position_is_answered(client, core):
    kinds = client.get("/api/gauges/kinds").json()
    assert {k["key"] for k in kinds["results"]} >= {"caliper", "micrometer"}
    created = client.post("/api/gauges", json={"gaugenumber": "G-200", "kind": "height", "name": "Height gauge"}).json()
    core.patch(f"/api/assets/{created['id']}", json={"mapx": 12.5, "mapy": 3.0})
    position = client.get(f"/api/gauges/{created['id']}/position")
    assert position.status_code == 200, position.text
    assert (position.json()["mapx"], position.json()["mapy"]) == (12.5, 3.0)


def test_push_creates_updates_keeps_rejects_and_a_repush_takes_the_fast_path(client, core, push_headers):
    client.post("/api/gauges", json={"gaugenumber": "G-001", "kind": "caliper"})
    batch = {"records": [
        {"gaugenumber": "G-002", "kind": "Micrometer", "resolution_um": 1},
        {"gaugenumber": "g-001", "lab": "Metrology"},
        {"gaugenumber": "G-003", "kind": "ruler"},
        {"gaugenumber": "G-004"},
    ]}
    first = client.post(PUSH, json=batch, headers=push_headers)
    assert first.status_code == 200, first.text
    results = first.json()["results"]
    assert [r["outcome"] for r in results] == ["created", "updated", "rejected", "rejected"]
    assert results[1]["changed"] == ["lab"]
    assert (results[2]["field"], results[3]["field"]) == ("kind", "kind")
    assert core.get(f"/api/assets/{results[0]['id']}").json()["type"] == "calibrated_gauge"
    events = outbox_count(client)
    target = client.app.state.collector_target
    assert set(target.fingerprints(["g-001", "g-002"])) == {"g-001", "g-002"}
    again = client.post(PUSH, json=batch, headers=push_headers).json()
    assert [r["outcome"] for r in again["results"]] == ["unchanged", "unchanged", "rejected", "rejected"]
    assert outbox_count(client) == events, "an unchanged re-push writes no audit event"
    assert client.get(f"/api/gauges/{results[0]['id']}").json()["last_seen"] is not None


def test_a_pushed_record_core_refuses_is_rejected_and_the_others_are_created(client, core, push_headers):
    taken = core.post("/api/assets", json={"assetnumber": "G-301", "name": "something else", "type": "generic"})
    assert taken.status_code == 201, taken.text
    batch = {"records": [{"gaugenumber": "G-300", "kind": "bore"}, {"gaugenumber": "G-301", "kind": "bore"},
                         {"gaugenumber": "G-302", "kind": "bore"}]}
    answer = client.post(PUSH, json=batch, headers=push_headers).json()
    assert [r["outcome"] for r in answer["results"]] == ["created", "rejected", "created"]
    assert answer["results"][1]["field"] == "assetnumber"
    assert client.get("/api/gauges", params={"gaugenumber": "G-301"}).json()["count"] == 0
    from shopdb_gauges.models import Gauge

    with client.app.state.database.session() as session:
        assert session.scalar(select(func.count()).select_from(Gauge)) == 2, "no pending row left behind"


def test_import_upserts_by_gauge_number_and_a_rerun_changes_nothing(client, core):
    client.post("/api/gauges", json={"gaugenumber": "G-001", "kind": "caliper", "lab": "Metrology"})
    text = "Gauge,Type,Lab,Resolution UM\nG-001,caliper,Metrology,\nG-002,micrometer,Quality,1\nG-003,ruler,,\n"
    dry = client.post("/api/gauges/import", content=text, headers=CSV).json()
    assert [r["outcome"] for r in dry["results"]] == ["unchanged", "created", "rejected"]
    assert client.get("/api/gauges").json()["count"] == 1
    real = client.post("/api/gauges/import?dry_run=false", content=text, headers=CSV).json()
    assert (real["created"], real["unchanged"], real["rejected"]) == (1, 1, 1)
    again = client.post("/api/gauges/import?dry_run=false", content=text, headers=CSV).json()
    assert [r["outcome"] for r in again["results"]] == ["unchanged", "unchanged", "rejected"]


def test_export_is_the_filtered_list_as_csv(client):
    for number, kind in (("G-001", "caliper"), ("G-002", "caliper"), ("G-003", "bore")):
        client.post("/api/gauges", json={"gaugenumber": number, "kind": kind})
    response = client.get("/api/gauges/export", params={"kind": "caliper", "ordering": "-gaugenumber"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["gaugenumber"] for r in rows] == ["G-002", "G-001"]
    assert rows[0]["assetnumber"] == "G-002" and rows[0]["kind"] == "caliper"
    assert_problem(client.get("/api/gauges/export", params={"colour": "red"}), 422, field="colour")


def test_every_write_is_audited_with_the_assets_uuid(client, push_headers):
    from shopdb_gauges.models import Outbox

    walk = AuditWalk(client, Outbox, "gauges")
    done = set()

    def step(method, template, path, **kw):
        done.add((method, template))
        return walk.expect(method, path, **kw)

    gauge = step("POST", "/api/gauges", "/api/gauges", entity="gauge", action="create", entity_id=lambda b: b["id"],
                 changes={"gaugenumber": (None, "G-001"), "kind": (None, "caliper"), "state": (None, "active")},
                 json={"gaugenumber": "G-001", "kind": "caliper"})
    step("PATCH", "/api/gauges/{asset_id}", f"/api/gauges/{gauge['id']}", entity="gauge", action="update",
         entity_id=gauge["id"], changes={"lab": ("", "Metrology")}, json={"lab": "Metrology"})
    step("DELETE", "/api/gauges/{asset_id}", f"/api/gauges/{gauge['id']}", entity="gauge", action="delete",
         entity_id=gauge["id"], changes={"state": ("active", "retired")})
    step("POST", "/api/gauges/{asset_id}/restore", f"/api/gauges/{gauge['id']}/restore", entity="gauge",
         action="restore", entity_id=gauge["id"], changes={"state": ("retired", "active")})
    done.add(("POST", PUSH))
    pushed = walk.write("POST", PUSH, headers=push_headers, json={"records": [{"gaugenumber": "G-002", "kind": "bore"}]})
    check_event(walk.events(), service="gauges", entity="gauge", entity_id=pushed["results"][0]["id"], action="create",
                changes={"gaugenumber": (None, "G-002")}, what="push")
    done.add(("POST", "/api/gauges/import"))
    imported = walk.write("POST", "/api/gauges/import?dry_run=false", content="gaugenumber,kind\nG-003,height\n", headers=CSV)
    check_event(walk.events(), service="gauges", entity="gauge", entity_id=imported["results"][0]["id"], action="create",
                changes={"kind": (None, "height")}, what="import")
    assert write_operations(client.app) - done == set(), "write operations with no audit check"


def test_an_asset_retired_in_core_is_retired_here(client, core):
    gauge = client.post("/api/gauges", json={"gaugenumber": "G-001", "kind": "caliper"}).json()
    client.app.state.core.retire_asset(gauge["id"])
    assert client.app.state.domain.apply_core_event("asset_retired", {"id": gauge["id"], "type": "calibrated_gauge"}) is True
    assert client.get(f"/api/gauges/{gauge['id']}").json()["state"] == "retired"


def test_a_filter_on_reference_data_or_fixed_choices_refuses_an_unknown_value(client):
    client.post("/api/gauges", json={"gaugenumber": "G-001", "kind": "caliper"})
    assert_problem(client.get("/api/gauges", params={"kind": "ruler"}), 422, field="kind")
    assert_problem(client.get("/api/gauges", params={"kind__n": "caliper,ruler"}), 422, field="kind__n")
    assert_problem(client.get("/api/gauges", params={"state": "broken"}), 422, field="state")
    assert client.get("/api/gauges", params={"kind": "caliper"}).json()["count"] == 1
    assert client.get("/api/gauges", params={"kind__ic": "rul"}).json()["count"] == 0


def test_core_applies_a_services_fields_by_the_public_rules(client, core):
    """The internal upsert writes through the same rules as the public API: it can clear a
    position, and a model of another vendor than the one given is refused."""
    gauge = client.post("/api/gauges", json={"gaugenumber": "G-001", "kind": "caliper"}).json()
    service_core = client.app.state.core
    service_core.upsert_asset({"id": gauge["id"], "mapx": 4.0, "mapy": 2.0})
    assert core.get(f"/api/assets/{gauge['id']}").json()["mapx"] == 4.0
    service_core.upsert_asset({"id": gauge["id"], "mapx": None, "mapy": None})
    assert core.get(f"/api/assets/{gauge['id']}").json()["mapx"] is None
    vendors = {v["name"]: v for v in core.get("/api/assets/vendors").json()["results"]}
    models = core.get("/api/assets/models", params={"vendor": vendors["Keyence"]["id"]}).json()["results"]
    from shopdb_contract.coreclient import CoreRefused

    try:
        service_core.upsert_asset({"id": gauge["id"], "vendor": vendors["Linde"]["id"], "model": models[0]["id"]})
    except CoreRefused as exc:
        assert exc.status == 422 and names_field(exc.problem, "model"), exc.problem
    else:
        raise AssertionError("core took a model of another vendor")
    # A number differing only in case is taken, through this path too.
    other = client.post("/api/gauges", json={"gaugenumber": "g-001", "kind": "caliper"})
    assert_problem(other, 409)
