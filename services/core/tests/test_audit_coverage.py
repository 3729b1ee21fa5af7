"""Every write core offers leaves an audit event with the right before/after values.

The walk is driven by core's own OpenAPI: a write operation nobody describes below fails the
coverage check, so a new endpoint cannot arrive unaudited.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from shopdb_contract.settings import DEV_REGISTRATION_SECRET
from shopdb_contract.testing.audit import AuditWalk, write_operations
from shopdb_core.audit.models import Outbox
from shopdb_core.identity.models import ApiToken, LoginSession, User
from shopdb_core.registry.models import RegisteredService

ALPHA = json.loads((Path(__file__).resolve().parents[3] / "tests/fixtures/services/alpha/manifest.json").read_text())
SECRET = {"X-ShopDB-Registration-Secret": DEV_REGISTRATION_SECRET}
WALK_USER, WALK_PASSWORD = "walk-user", "walk-user-password-1"
# Writes that change nothing a person made, each with the reason.
NOT_AUDITED = {
    ("POST", "/api/auth/refresh"): "exchanges a session's refresh token for a new one; the login was audited",
}


def forget_user(session, username: str) -> None:
    user = session.scalars(select(User).where(User.usernamekey == username)).first()
    if user is not None:
        session.execute(delete(ApiToken).where(ApiToken.owner_id == user.id))
        session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
        session.delete(user)


class Walk(AuditWalk):
    """Core's walk: also removes the test service and user an earlier walk registered."""

    def __init__(self, client) -> None:
        super().__init__(client, Outbox, "core")

    def reset(self, session) -> None:
        session.execute(delete(RegisteredService).where(RegisteredService.name == "alpha"))
        forget_user(session, WALK_USER)

    def expect(self, method: str, path: str, *, entity: str, action: str, changes: dict, **kw) -> dict:
        # Unlike a domain service's walk, one core write may leave several events of a kind
        # (its asset types on a registration, say): the last one is the write's own.
        body = self.write(method, path, **kw)
        # Domain events (asset_retired...) share the outbox; they have no entity_type.
        events = [e for e in self.events() if e.get("entity_type") == entity]
        assert events, f"{method} {path} wrote no {entity} audit event"
        event = events[-1]
        assert event["action"] == action, (method, path, event)
        for field, (before, after) in changes.items():
            assert event["changes"].get(field) == {"before": before, "after": after}, (method, path, field, event["changes"])
        assert event["service"] == "core"
        return body


def scenario(walk: Walk) -> set[tuple[str, str]]:
    """Each write once, with what its event must say. Returns the (METHOD, path) walked."""
    done: set[tuple[str, str]] = set()

    def step(method, template, path, **kw):
        done.add((method, template))
        return walk.expect(method, path, **kw)

    vendor = step("POST", "/api/assets/vendors", "/api/assets/vendors", entity="vendor", action="create",
                  changes={"name": (None, "DMG Mori")}, json={"name": "DMG Mori"})
    step("PATCH", "/api/assets/vendors/{vendor_id}", f"/api/assets/vendors/{vendor['id']}", entity="vendor",
         action="update", changes={"name": ("DMG Mori", "DMG MORI")}, json={"name": "DMG MORI"})
    model = step("POST", "/api/assets/models", "/api/assets/models", entity="model", action="create",
                 changes={"name": (None, "NLX 2500")}, json={"name": "NLX 2500", "vendor": vendor["id"]})
    step("PATCH", "/api/assets/models/{model_id}", f"/api/assets/models/{model['id']}", entity="model",
         action="update", changes={"name": ("NLX 2500", "NLX 2500SY")}, json={"name": "NLX 2500SY"})

    site = step("POST", "/api/locations", "/api/locations", entity="location", action="create",
                changes={"name": (None, "Plant 1")}, json={"name": "Plant 1", "mapx": 0, "mapy": 0})
    hall = walk.write("POST", "/api/locations", json={"name": "Hall A", "parent": site["id"]})
    step("PATCH", "/api/locations/{location_id}", f"/api/locations/{hall['id']}", entity="location",
         action="update", changes={"name": ("Hall A", "Hall B")}, json={"name": "Hall B"})

    lathe = step("POST", "/api/assets", "/api/assets", entity="asset", action="create",
                 changes={"assetnumber": (None, "A-2001"), "status": (None, "in_use")},
                 json={"assetnumber": "A-2001", "name": "Lathe 2001", "type": "generic", "model": model["id"]})
    pc = walk.write("POST", "/api/assets", json={"assetnumber": "A-3001", "name": "PC 3001", "type": "generic"})
    step("PATCH", "/api/assets/{asset_id}", f"/api/assets/{lathe['id']}", entity="asset", action="update",
         changes={"mapx": (None, 12.5), "mapy": (None, 4.0), "location_id": (None, hall["id"])},
         json={"mapx": 12.5, "mapy": 4.0, "location": hall["id"]})
    step("PATCH", "/api/assets", "/api/assets", entity="asset", action="update",
         changes={"serialnumber": ("", "SN-9")}, json=[{"id": pc["id"], "serialnumber": "SN-9"}])

    link = step("POST", "/api/relationships", "/api/relationships", entity="relationship", action="create",
                changes={"inheritsposition": (None, True)},
                json={"type": "controls", "source": pc["id"], "target": lathe["id"], "inheritsposition": True})
    step("PATCH", "/api/relationships/{relationship_id}", f"/api/relationships/{link['id']}", entity="relationship",
         action="update", changes={"inheritsposition": (True, False)}, json={"inheritsposition": False})
    step("DELETE", "/api/relationships/{relationship_id}", f"/api/relationships/{link['id']}", entity="relationship",
         action="delete", changes={"inheritsposition": (False, None)})

    step("DELETE", "/api/assets/{asset_id}", f"/api/assets/{pc['id']}", entity="asset", action="delete",
         changes={"status": ("in_use", "retired")})
    step("POST", "/api/assets/{asset_id}/restore", f"/api/assets/{pc['id']}/restore", entity="asset",
         action="restore", changes={"status": ("retired", "in_use")})

    # Moving the lathe off the hall empties it, so the hall can be deleted.
    walk.write("PATCH", f"/api/assets/{lathe['id']}", json={"location": None})
    walk.events()
    step("DELETE", "/api/locations/{location_id}", f"/api/locations/{hall['id']}", entity="location",
         action="delete", changes={"name": ("Hall B", None)})
    # The lathe keeps its model; a second model is deleted instead.
    spare = walk.write("POST", "/api/assets/models", json={"name": "CTX 450", "vendor": vendor["id"]})
    step("DELETE", "/api/assets/models/{model_id}", f"/api/assets/models/{spare['id']}", entity="model",
         action="delete", changes={"name": ("CTX 450", None)})
    other = walk.write("POST", "/api/assets/vendors", json={"name": "Okuma"})
    step("DELETE", "/api/assets/vendors/{vendor_id}", f"/api/assets/vendors/{other['id']}", entity="vendor",
         action="delete", changes={"name": ("Okuma", None)})

    step("PUT", "/api/settings/{key}", "/api/settings/core.floor.gridsize", entity="setting", action="create",
         changes={"value": (None, 50)}, json={"value": 50})
    step("PUT", "/api/settings/{key}", "/api/settings/core.floor.gridsize", entity="setting", action="update",
         changes={"value": (50, 25)}, json={"value": 25})
    step("DELETE", "/api/settings/{key}", "/api/settings/core.floor.gridsize", entity="setting", action="delete",
         changes={"value": (25, None)})

    walk.expect("POST", "/internal/services/register", entity="service", action="create",
                changes={"status": (None, "registered")}, headers=SECRET,
                json={"manifest": ALPHA, "base_url": "http://127.0.0.1:9", "contract_version": "0.1.0"})
    step("POST", "/api/services/{name}/disable", "/api/services/alpha/disable", entity="service", action="update",
         changes={"enabled": (True, False)})
    step("POST", "/api/services/{name}/enable", "/api/services/alpha/enable", entity="service", action="update",
         changes={"enabled": (False, True)})
    # A heartbeat is not a change anyone made: no event.
    walk.write("POST", "/internal/services/alpha/heartbeat", headers=SECRET, json={"version": "0.1.0"})
    assert [e for e in walk.events() if e.get("entity_type") == "service"] == []
    walk.expect("PUT", "/internal/settings/service.alpha.interval", entity="setting", action="create",
                changes={"value": (None, 30)}, headers={**SECRET, "X-ShopDB-Service": "alpha"}, json={"value": 30})

    # Identity: a password is audited only as changed, a token's secret never.
    user = step("POST", "/api/auth/users", "/api/auth/users", entity="user", action="create",
                changes={"username": (None, WALK_USER), "role": (None, "viewer"), "password_hash": (None, "[redacted]")},
                json={"username": WALK_USER, "password": WALK_PASSWORD, "role": "viewer"})
    step("PATCH", "/api/auth/users/{user_id}", f"/api/auth/users/{user['id']}", entity="user", action="update",
         changes={"role": ("viewer", "editor")}, json={"role": "editor"})
    token = step("POST", "/api/auth/tokens", "/api/auth/tokens", entity="apitoken", action="create",
                 changes={"name": (None, "walk collector"), "secret_hash": (None, "[redacted]")},
                 json={"name": "walk collector", "role": "editor", "services": ["alpha"], "owner_id": user["id"]})
    step("DELETE", "/api/auth/tokens/{token_id}", f"/api/auth/tokens/{token['id']}", entity="apitoken",
         action="revoke", changes={})
    login = step("POST", "/api/auth/login", "/api/auth/login", entity="user", action="login", changes={},
                 json={"username": WALK_USER, "password": WALK_PASSWORD})
    step("POST", "/api/auth/logout", "/api/auth/logout", entity="user", action="logout", changes={},
         json={"refresh_token": login["refresh_token"]})
    walk.client.cookies.clear()
    step("POST", "/api/auth/keys/rotate", "/api/auth/keys/rotate", entity="signingkey", action="rotate", changes={})
    return done


def test_every_core_write_operation_writes_an_audit_event_with_before_and_after(client):
    walked = scenario(Walk(client))
    operations = write_operations(client.app)
    assert operations - walked - set(NOT_AUDITED) == set(), "write operations with no audit check: add them to the scenario"


def test_a_write_that_fails_leaves_no_audit_event(client):
    walk = Walk(client)
    walk.write("POST", "/api/assets", json={"assetnumber": "A-1", "name": "one", "type": "generic"})
    walk.events()
    # The second item of the batch breaks a rule: nothing of the batch is written, nor audited.
    response = client.post("/api/assets", json=[
        {"assetnumber": "A-2", "name": "two", "type": "generic"},
        {"assetnumber": "A-1", "name": "taken", "type": "generic"},
    ])
    assert response.status_code == 409
    assert walk.events() == []
    with walk.database.session() as session:
        assert session.execute(select(func.count()).select_from(Outbox)).scalar_one() == 1


@pytest.fixture(autouse=True)
def _no_alpha_left(client):
    yield
    with client.app.state.database.transaction() as session:
        session.execute(delete(RegisteredService).where(RegisteredService.name == "alpha"))
        forget_user(session, WALK_USER)
