"""Locations through the REST API: the generic resource checks plus the tree's own rules."""

from __future__ import annotations

from shopdb_contract.testing.resource import ResourceAPITests


class TestLocationsAPI(ResourceAPITests):
    base_path = "/api/locations"
    create_data = [
        {"name": "Plant 1", "kind": "site", "mapx": 10.0, "mapy": 20.0},
        {"name": "Plant 2", "kind": "site"},
        {"name": "Warehouse", "kind": "building", "description": "north side"},
    ]
    update_data = {"name": "Plant 9", "mapx": 1.5, "mapy": 2.5}
    invalid_data = [
        ({"kind": "site"}, "name"),
        ({"name": "X", "mapx": "left"}, "mapx"),
        ({"name": "X", "kind": "Not A Kind!"}, "kind"),
        ({"name": "X", "parent": "00000000-0000-4000-8000-000000000000"}, "parent"),
    ]
    filter_examples = [
        ({"kind": "site"}, 2),
        ({"name__ic": "plant"}, 2),
        ({"kind__n": "site"}, 1),
        ({"name": "Plant 1,Warehouse"}, 2),
    ]
    brief_fields = {"id", "name", "kind"}
