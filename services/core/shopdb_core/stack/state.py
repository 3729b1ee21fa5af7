"""The services this site has installed and enabled locally (var/services.json).

Core is always on and never listed here. The file is small and rewritten whole, through a
temporary file, so a crash mid-write never leaves it half written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


class LocalState:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.services: dict[str, dict] = {}
        if path.exists():
            self.services = json.loads(path.read_text(encoding="utf-8")).get("services", {})

    @property
    def is_new(self) -> bool:
        """No choice recorded yet: this checkout has never been started or configured."""
        return not self.path.exists()

    def installed(self) -> list[str]:
        return sorted(self.services)

    def enabled(self) -> list[str]:
        return sorted(n for n, s in self.services.items() if s.get("enabled"))

    def is_enabled(self, name: str) -> bool:
        return name == "core" or bool(self.services.get(name, {}).get("enabled"))

    def mark_installed(self, name: str) -> None:
        self.services.setdefault(name, {})["enabled"] = True

    def set_enabled(self, name: str, enabled: bool) -> None:
        self.services.setdefault(name, {})["enabled"] = enabled

    def forget(self, name: str) -> None:
        self.services.pop(name, None)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"services": self.services}, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)
