"""Site settings: namespaced keys, JSON values, and a service writing only its own namespace."""

from __future__ import annotations

import pytest

from shopdb_contract.errors import ForbiddenError
from shopdb_contract.testing.resource import assert_problem
from shopdb_core.sitesettings import service

SECRET = {"X-ShopDB-Registration-Secret": "dev-registration-secret-change-me"}


def test_an_admin_puts_gets_lists_and_deletes_a_setting(client):
    put = client.put("/api/settings/core.map.scale", json={"value": {"unit": "m", "factor": 0.5}})
    assert put.status_code == 200, put.text
    assert client.put("/api/settings/service.printers.poll_seconds", json={"value": 60}).status_code == 200
    assert client.get("/api/settings/core.map.scale").json()["value"] == {"unit": "m", "factor": 0.5}
    assert client.get("/api/settings", params={"prefix": "core."}).json()["count"] == 1
    assert client.get("/api/settings").json()["count"] == 2
    assert client.delete("/api/settings/core.map.scale").status_code == 204
    assert_problem(client.get("/api/settings/core.map.scale"), 404)


def test_a_key_outside_the_namespaces_is_refused_naming_key(client):
    assert_problem(client.put("/api/settings/printers.poll", json={"value": 1}), 422, field="key")
    assert_problem(client.put("/api/settings/core.x", json={"val": 1}), 422, field="val")


def test_a_stale_if_match_on_a_setting_is_412(client):
    first = client.put("/api/settings/core.banner", json={"value": "hello"})
    client.put("/api/settings/core.banner", json={"value": "changed"})
    assert_problem(client.put("/api/settings/core.banner", json={"value": "x"}, headers={"If-Match": first.headers["etag"]}), 412)
    assert client.get("/api/settings/core.banner").json()["value"] == "changed"


def test_a_service_may_write_only_its_own_namespace(database):
    with database.transaction() as session:
        row = service.write_setting(session, key="service.printers.poll", value=30, writer="printers")
        assert row.updatedby == "printers"
        with pytest.raises(ForbiddenError):
            service.write_setting(session, key="service.usb.allow", value=True, writer="printers")
        with pytest.raises(ForbiddenError):
            service.write_setting(session, key="core.banner", value="x", writer="printers")
        service.write_setting(session, key="service.usb.allow", value=True, writer="admin")


def test_the_internal_route_needs_the_secret_and_keeps_a_service_in_its_namespace(client):
    body = {"value": 30}
    headers = {**SECRET, "X-ShopDB-Service": "printers"}
    assert_problem(client.put("/internal/settings/service.printers.poll", json=body,
                              headers={"X-ShopDB-Registration-Secret": "wrong", "X-ShopDB-Service": "printers"}), 401)
    assert_problem(client.put("/internal/settings/service.printers.poll", json=body, headers=SECRET), 401)
    assert_problem(client.put("/internal/settings/service.usb.allow", json=body, headers=headers), 403, field="key")
    response = client.put("/internal/settings/service.printers.poll", json=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["updatedby"] == "printers"
