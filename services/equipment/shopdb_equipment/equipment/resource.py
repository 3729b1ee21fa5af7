"""Equipment declared as a domain resource: a machine tool is a core asset of type `equipment`
plus its details here (machine number, types, controller, department, criticality).

Everything else (routes, the create saga, the collector push, the CSV import and export, the
core-events consumer) comes from the declaration. What is special here: the machine's view
lists the assets that control it, as core knows them (controllers.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from shopdb_contract.domain import DomainResource, Reference
from shopdb_equipment.equipment.controllers import controlled_by
from shopdb_equipment.equipment.models import Equipment
from shopdb_equipment.equipment.schemas import CORE_FIELDS, EquipmentCreate, EquipmentUpdate
from shopdb_equipment.models import Idempotency, Outbox
from shopdb_equipment.reference.models import ControllerType, EquipmentType


class EquipmentResource(DomainResource):
    entity = "equipment"
    model = Equipment
    create_model = EquipmentCreate
    update_model = EquipmentUpdate
    identity = "machinenumber"
    identity_label = "machine number"
    fields = (
        "machinenumber", "equipmenttype", "controllertype", "controllerversion", "serialnumber", "department", "criticality",
    )
    core_fields = CORE_FIELDS
    copied_to_core = ("serialnumber",)
    brief_fields = ("equipmenttype",)
    references = {
        "equipmenttype": Reference(EquipmentType, label="equipment type", path="/types", order_by=("sortorder", "key")),
        "controllertype": Reference(
            ControllerType, label="controller type", path="/controllertypes", columns=("key", "label", "vendor"),
        ),
    }
    import_aliases = {
        "machine": "machinenumber", "machineno": "machinenumber", "type": "equipmenttype",
        "controller": "controllertype", "serial": "serialnumber",
    }
    outbox = Outbox
    idempotency = Idempotency

    def view_extras(self, session: Session, row: Equipment, *, authorization: str | None = None) -> dict[str, Any]:
        return {"controlledby": controlled_by(self.core, machine_id=str(row.id))}
