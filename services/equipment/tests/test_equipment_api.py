"""Equipment's REST resource: the generic checks every resource passes, on a real core."""

from __future__ import annotations

from shopdb_contract.testing.resource import ResourceAPITests


class TestEquipmentAPI(ResourceAPITests):
    base_path = "/api/equipment"
    create_data = [
        {"machinenumber": "2001", "equipmenttype": "lathe", "controllertype": "fanuc", "department": "Turning"},
        {"machinenumber": "2002", "equipmenttype": "mill", "controllertype": "heidenhain", "criticality": "high"},
        {"machinenumber": "3001", "equipmenttype": "cmm", "department": "Quality", "assetnumber": "A-3001"},
    ]
    update_data = {"department": "Milling", "controllerversion": "31i-B5"}
    invalid_data = [
        ({"machinenumber": "9", "equipmenttype": "spaceship"}, "equipmenttype"),
        ({"machinenumber": "9", "equipmenttype": "lathe", "controllertype": "abacus"}, "controllertype"),
        ({"machinenumber": "", "equipmenttype": "lathe"}, "machinenumber"),
        ({"machinenumber": "9", "equipmenttype": "lathe", "criticality": "whenever"}, "criticality"),
    ]
    filter_examples = [
        ({"equipmenttype": "lathe"}, 1),
        ({"equipmenttype": "lathe,mill"}, 2),
        ({"machinenumber__isw": "2"}, 2),
        ({"department__ic": "turn"}, 1),
        ({"criticality": "high"}, 1),
    ]
    ordering_field = "machinenumber"
    brief_fields = {"id", "machinenumber", "equipmenttype", "state"}
    soft_delete = {"state": "retired", "status": "retired"}
