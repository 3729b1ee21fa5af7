"""Equipment's API: the declared resource (routes come from the contract's `DomainResource`)."""

from shopdb_equipment.equipment.resource import EquipmentResource

__all__ = ["EquipmentResource"]
