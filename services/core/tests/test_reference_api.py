"""Reference data: statuses, asset types (core's and services'), vendors and models."""

from __future__ import annotations

import pytest

from shopdb_contract.errors import ConflictError
from shopdb_contract.manifest import AssetTypeSpec
from shopdb_contract.testing.resource import ResourceAPITests, assert_problem
from shopdb_core.reference.models import AssetType
from shopdb_core.reference.service import sync_asset_types


def test_statuses_are_seeded_with_stable_keys(client):
    keys = [s["key"] for s in client.get("/api/assets/statuses").json()["results"]]
    assert keys == ["in_use", "spare", "in_repair", "retired", "disposed"]


def test_core_asset_types_are_listed_with_their_owner(client):
    types = {t["name"]: t for t in client.get("/api/assets/types").json()["results"]}
    assert types["tool"]["service"] == "core"
    assert client.get("/api/assets/types/tool").json()["label"] == "Tool"
    assert_problem(client.get("/api/assets/types/spaceship"), 404)


def test_a_services_asset_types_follow_its_manifest(client, database):
    with database.transaction() as session:
        sync_asset_types(session, service="printers", asset_types=[
            AssetTypeSpec(name="printer", label="Printer"), AssetTypeSpec(name="plotter", label="Plotter")])
    asset = {"assetnumber": "P-1", "name": "Office printer", "type": "printer"}
    assert client.post("/api/assets", json=asset).status_code == 201
    with database.transaction() as session:
        sync_asset_types(session, service="printers", asset_types=[AssetTypeSpec(name="label_printer", label="Label printer")])
    with database.session() as session:
        owned = {t.name for t in session.query(AssetType).filter_by(service="printers")}
    # "plotter" was unused and goes; "printer" still has an asset and stays.
    assert owned == {"printer", "label_printer"}


def test_a_service_cannot_take_another_services_asset_type(database):
    with database.transaction() as session:
        with pytest.raises(ConflictError):
            sync_asset_types(session, service="printers", asset_types=[AssetTypeSpec(name="tool", label="Tool")])


def test_a_vendor_in_use_cannot_be_deleted(client):
    vendor = client.post("/api/assets/vendors", json={"name": "Heidenhain"}).json()
    model = client.post("/api/assets/models", json={"vendor": vendor["id"], "name": "TNC 640"})
    assert model.status_code == 201, model.text
    assert_problem(client.delete(f"/api/assets/vendors/{vendor['id']}"), 409)
    assert client.delete(f"/api/assets/models/{model.json()['id']}").status_code == 204
    assert client.delete(f"/api/assets/vendors/{vendor['id']}").status_code == 204


def test_a_model_of_a_missing_vendor_is_refused_naming_vendor(client):
    body = {"vendor": "00000000-0000-4000-8000-000000000000", "name": "X"}
    assert_problem(client.post("/api/assets/models", json=body), 422, field="vendor")


class TestVendorsAPI(ResourceAPITests):
    base_path = "/api/assets/vendors"
    create_data = [{"name": "Acme"}, {"name": "Bystronic"}, {"name": "Zeiss"}]
    update_data = {"name": "Acme Tools"}
    invalid_data = [({"name": ""}, "name"), ({"name": 7}, "name"), ({}, "name")]
    filter_examples = [({"name__isw": "a"}, 1), ({"name": "Zeiss"}, 1)]
    brief_fields = {"id", "name"}

    @pytest.fixture
    def client(self, client):
        # Vendors are seeded; this resource's checks want an empty table to count from.
        for vendor in client.get(self.base_path, params={"limit": 1000}).json()["results"]:
            for model in client.get("/api/assets/models", params={"vendor": vendor["id"]}).json()["results"]:
                client.delete(f"/api/assets/models/{model['id']}")
            client.delete(f"{self.base_path}/{vendor['id']}")
        return client
