"""Reference data every site needs, and a demo site to look around in.

Both are idempotent: they add what is missing and leave what is there, so `shopdb seed` can
run on every start. Neither commits; the caller's transaction does.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopdb_core.assets.models import Asset
from shopdb_core.locations.models import Location
from shopdb_core.reference.models import AssetModel, AssetStatus, AssetType, RelationshipType, Vendor
from shopdb_core.relationships.models import Relationship

STATUSES = [
    ("in_use", "In use"),
    ("spare", "Spare"),
    ("in_repair", "In repair"),
    ("retired", "Retired"),
    ("disposed", "Disposed"),
]

# Core's generic types; domain services add theirs (computer, printer, ...) from manifests.
CORE_ASSET_TYPES = [
    ("generic", "Generic asset"),
    ("tool", "Tool"),
    ("fixture", "Fixture"),
    ("gauge", "Measuring gauge"),
    ("sensor", "Sensor"),
    ("vehicle", "Vehicle"),
    ("furniture", "Furniture"),
]

RELATIONSHIP_TYPES = [
    ("controls", "Controls", "Controlled by"),
    ("connected_to", "Connected to", "Connection of"),
    ("powered_by", "Powered by", "Powers"),
    ("mounted_on", "Mounted on", "Carries"),
    ("part_of", "Part of", "Has part"),
    ("depends_on", "Depends on", "Needed by"),
]

VENDORS = {
    "Mitutoyo": ["CMM Crysta-Apex S", "Digimatic Caliper 500"],
    "Keyence": ["IV3 Vision Sensor", "LR-X Laser Sensor"],
    "Bosch Rexroth": ["Nutrunner CS351"],
    "Linde": ["E20 Forklift"],
}

# Fixed ids so the demo data is the same on every machine and a second run finds it.
_DEMO = uuid.UUID("6d3c1f4e-0000-4000-8000-000000000000")


def _demo_id(name: str) -> uuid.UUID:
    return uuid.uuid5(_DEMO, name)


def seed_reference(session: Session) -> None:
    for order, (key, label) in enumerate(STATUSES):
        if session.get(AssetStatus, key) is None:
            session.add(AssetStatus(key=key, label=label, sortorder=order))
    for name, label in CORE_ASSET_TYPES:
        if session.get(AssetType, name) is None:
            session.add(AssetType(name=name, label=label, service="core"))
    for name, label, inverse in RELATIONSHIP_TYPES:
        if session.get(RelationshipType, name) is None:
            session.add(RelationshipType(name=name, label=label, inverselabel=inverse))
    session.flush()
    for vendor_name, model_names in VENDORS.items():
        vendor = session.scalar(select(Vendor).where(Vendor.name == vendor_name))
        if vendor is None:
            vendor = Vendor(id=_demo_id(f"vendor:{vendor_name}"), name=vendor_name)
            session.add(vendor)
            session.flush()
        for model_name in model_names:
            exists = session.scalar(
                select(AssetModel.id).where(AssetModel.vendor_id == vendor.id, AssetModel.name == model_name)
            )
            if exists is None:
                session.add(AssetModel(id=_demo_id(f"model:{vendor_name}:{model_name}"), vendor=vendor, name=model_name))
    session.flush()


# (path, kind, mapx, mapy): a plant with two halls, areas and cells; positions in floor-map units.
DEMO_LOCATIONS = [
    (("Plant 1",), "site", None, None),
    (("Plant 1", "Hall A"), "building", 100.0, 100.0),
    (("Plant 1", "Hall A", "Machining"), "area", 150.0, 120.0),
    (("Plant 1", "Hall A", "Machining", "Cell 1"), "cell", 160.0, 130.0),
    (("Plant 1", "Hall A", "Machining", "Cell 2"), "cell", 200.0, 130.0),
    (("Plant 1", "Hall A", "Assembly"), "area", 300.0, 120.0),
    (("Plant 1", "Hall A", "Assembly", "Line 1"), "cell", 320.0, 140.0),
    (("Plant 1", "Hall B"), "building", 600.0, 100.0),
    (("Plant 1", "Hall B", "Quality lab"), "area", 620.0, 150.0),
    (("Plant 1", "Hall B", "Warehouse"), "area", 700.0, 200.0),
]


def _demo_assets() -> list[dict]:
    cells = [
        ("Plant 1", "Hall A", "Machining", "Cell 1"),
        ("Plant 1", "Hall A", "Machining", "Cell 2"),
        ("Plant 1", "Hall A", "Assembly", "Line 1"),
    ]
    assets = []
    for n in range(1, 13):
        cell = cells[(n - 1) % len(cells)]
        assets.append({"assetnumber": f"T-{n:04d}", "name": f"Tool cart {n}", "type": "tool", "location": cell,
                       "mapx": 160.0 + 12 * n, "mapy": 130.0 + 3 * (n % 4)})
    for n in range(1, 9):
        assets.append({"assetnumber": f"G-{n:04d}", "name": f"Caliper {n}", "type": "gauge",
                       "location": ("Plant 1", "Hall B", "Quality lab"), "vendor": "Mitutoyo",
                       "model": "Digimatic Caliper 500", "serialnumber": f"MT500-{1000 + n}",
                       "mapx": 620.0 + 5 * n, "mapy": 150.0})
    for n in range(1, 7):
        # Sensors carry no position of their own; four take it from the fixture they sit on.
        assets.append({"assetnumber": f"S-{n:04d}", "name": f"Vision sensor {n}", "type": "sensor",
                       "location": cells[n % 2], "vendor": "Keyence", "model": "IV3 Vision Sensor",
                       "serialnumber": f"IV3-{2000 + n}"})
    for n in range(1, 3):
        assets.append({"assetnumber": f"F-{n:04d}", "name": f"Clamping fixture {n}", "type": "fixture",
                       "location": cells[n - 1], "mapx": 165.0 + 40 * (n - 1), "mapy": 135.0})
    assets.append({"assetnumber": "V-0001", "name": "Forklift 1", "type": "vehicle",
                   "location": ("Plant 1", "Hall B", "Warehouse"), "vendor": "Linde", "model": "E20 Forklift",
                   "mapx": 710.0, "mapy": 210.0})
    assets.append({"assetnumber": "V-0002", "name": "Forklift 2 (spare)", "type": "vehicle", "status": "spare",
                   "location": ("Plant 1", "Hall B", "Warehouse"), "vendor": "Linde", "model": "E20 Forklift"})
    return assets


DEMO_RELATIONSHIPS = [
    # (source, type, target, inheritsposition)
    ("S-0001", "mounted_on", "F-0001", True),
    ("S-0002", "mounted_on", "F-0002", True),
    ("S-0003", "mounted_on", "F-0001", True),
    ("S-0004", "mounted_on", "F-0002", True),
    ("F-0001", "part_of", "T-0001", False),
    ("V-0002", "depends_on", "V-0001", False),
]


def seed_demo(session: Session) -> None:
    """A demo plant: halls, areas and cells with map positions, and about 30 assets on them."""
    seed_reference(session)
    location_ids: dict[tuple[str, ...], uuid.UUID] = {}
    for path, kind, mapx, mapy in DEMO_LOCATIONS:
        parent_id = location_ids.get(path[:-1])
        # `== None` renders IS NULL, so this finds a top-level location too.
        row = session.scalar(select(Location).where(Location.parent_id == parent_id, Location.name == path[-1]))
        if row is None:
            row = Location(id=_demo_id("location:" + "/".join(path)), name=path[-1], kind=kind,
                           parent_id=parent_id, mapx=mapx, mapy=mapy, description="")
            session.add(row)
            session.flush()
        location_ids[path] = row.id
    vendors = {v.name: v for v in session.scalars(select(Vendor))}
    models = {m.name: m for m in session.scalars(select(AssetModel))}
    asset_ids: dict[str, uuid.UUID] = {}
    for spec in _demo_assets():
        row = session.scalar(select(Asset).where(Asset.assetnumber == spec["assetnumber"]))
        if row is None:
            row = Asset(
                id=_demo_id("asset:" + spec["assetnumber"]),
                assetnumber=spec["assetnumber"],
                name=spec["name"],
                type=spec["type"],
                status=spec.get("status", "in_use"),
                location_id=location_ids[spec["location"]],
                vendor_id=vendors[spec["vendor"]].id if "vendor" in spec else None,
                model_id=models[spec["model"]].id if "model" in spec else None,
                serialnumber=spec.get("serialnumber", ""),
                mapx=spec.get("mapx"),
                mapy=spec.get("mapy"),
                notes="demo data",
            )
            session.add(row)
        asset_ids[spec["assetnumber"]] = row.id
    session.flush()
    for source, type_, target, inherits in DEMO_RELATIONSHIPS:
        exists = session.scalar(
            select(Relationship.id).where(
                Relationship.source_id == asset_ids[source],
                Relationship.target_id == asset_ids[target],
                Relationship.type == type_,
            )
        )
        if exists is None:
            session.add(Relationship(type=type_, source_id=asset_ids[source], target_id=asset_ids[target],
                                     inheritsposition=inherits, notes=""))
    session.flush()
