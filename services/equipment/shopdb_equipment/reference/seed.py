"""The reference data every site starts with; the baseline migration inserts it, `seed` tops it up."""

from __future__ import annotations

from sqlalchemy.orm import Session

EQUIPMENT_TYPES = [
    ("lathe", "Lathe"),
    ("mill", "Milling machine"),
    ("machining_center", "Machining center"),
    ("grinder", "Grinder"),
    ("edm", "EDM (electrical discharge machine)"),
    ("cmm", "CMM (coordinate measuring machine)"),
    ("laser", "Laser cutter"),
    ("press", "Press"),
    ("saw", "Saw"),
    ("welder", "Welding cell"),
    ("robot", "Robot"),
    ("washer", "Parts washer"),
    ("other", "Other"),
]

CONTROLLER_TYPES = [
    ("fanuc", "Fanuc", "Fanuc"),
    ("siemens", "Siemens Sinumerik", "Siemens"),
    ("heidenhain", "Heidenhain TNC", "Heidenhain"),
    ("mazak", "Mazak Mazatrol", "Mazak"),
    ("okuma", "Okuma OSP", "Okuma"),
    ("haas", "Haas NGC", "Haas"),
    ("mitsubishi", "Mitsubishi M8", "Mitsubishi Electric"),
    ("fagor", "Fagor 8065", "Fagor"),
    ("plc", "PLC (no CNC)", ""),
    ("pc", "PC-based controller", ""),
    ("other", "Other", ""),
]


def equipment_type_rows() -> list[dict]:
    return [{"key": k, "label": label, "sortorder": i} for i, (k, label) in enumerate(EQUIPMENT_TYPES)]


def controller_type_rows() -> list[dict]:
    return [{"key": k, "label": label, "vendor": vendor} for k, label, vendor in CONTROLLER_TYPES]


def seed_reference(session: Session) -> None:
    """Add the missing reference rows, leave the ones a site changed. Does not commit."""
    from shopdb_equipment.reference.models import ControllerType, EquipmentType

    for row in equipment_type_rows():
        if session.get(EquipmentType, row["key"]) is None:
            session.add(EquipmentType(**row))
    for row in controller_type_rows():
        if session.get(ControllerType, row["key"]) is None:
            session.add(ControllerType(**row))
    session.flush()
