"""Assets through the REST API: the generic resource checks."""

from __future__ import annotations

from shopdb_contract.testing.resource import ResourceAPITests


class TestAssetsAPI(ResourceAPITests):
    base_path = "/api/assets"
    create_data = [
        {"assetnumber": "A-0001", "name": "Caliper", "type": "gauge", "serialnumber": "SN-1", "mapx": 1.0, "mapy": 2.0},
        {"assetnumber": "A-0002", "name": "Tool cart", "type": "tool", "status": "spare"},
        {"assetnumber": "A-0003", "name": "Fixture", "type": "fixture", "notes": "left of the press"},
    ]
    update_data = {"name": "Caliper 150 mm", "status": "in_repair", "mapx": 5.0, "mapy": 6.0}
    invalid_data = [
        ({"assetnumber": "B-1", "name": "X", "type": "no_such_type"}, "type"),
        ({"assetnumber": "B-1", "name": "X", "type": "tool", "mapx": "left", "mapy": 1}, "mapx"),
        ({"name": "X", "type": "tool"}, "assetnumber"),
        ({"assetnumber": "B-1", "name": "X", "type": "tool", "status": "lost"}, "status"),
        ({"assetnumber": "B-1", "name": "X", "type": "tool", "mapx": 1.0}, "mapy"),
        ({"assetnumber": "B-1", "name": "X", "type": "tool", "location": "00000000-0000-4000-8000-000000000000"}, "location"),
    ]
    filter_examples = [
        ({"type": "gauge"}, 1),
        ({"type": "gauge,tool"}, 2),
        ({"status": "spare"}, 1),
        ({"status__n": "spare"}, 2),
        ({"name__ic": "CART"}, 1),
        ({"assetnumber__isw": "A-000"}, 3),
        ({"q": "press"}, 1),
        ({"q": "SN-1"}, 1),
    ]
    ordering_field = "assetnumber"
    brief_fields = {"id", "assetnumber", "name", "type", "status"}
    soft_delete = {"status": "retired"}
    bulk_create = True
