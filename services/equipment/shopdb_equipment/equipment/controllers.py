"""The assets that control a machine (a PC driving a lathe), for the machine's view.

They come from core alone: relationships of type `controls` whose target is the machine, each
with its source asset's number and name. Equipment never asks another domain service to answer
its own requests: a site without computers still sees them, a PC renamed in computers does not
change a machine's ETag, and a read costs two calls to core whatever is linked.
"""

from __future__ import annotations

from typing import Any

from shopdb_contract.coreclient import CoreClient

CONTROLS = "controls"


def controlled_by(core: CoreClient, *, machine_id: str) -> list[dict[str, Any]]:
    return [
        {
            "id": link["source"]["id"],
            "assetnumber": link["source"]["assetnumber"],
            "name": link["source"]["name"],
            "inheritsposition": link["inheritsposition"],
            "relationship": link["id"],
        }
        for link in core.relationships(target=machine_id, type=CONTROLS)
    ]
