"""The service manifest: who a service is and which contract it speaks.

It is read from `manifest.json` before anything of the service is imported, so a service that
does not fit is refused before its code can fail in some less helpful way.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

__all__ = ["RESERVED_NAMES", "SERVICE_NAME", "AssetTypeSpec", "CollectorSpec", "EventSpec", "load_manifest",
    "ManifestError", "NavigationItem", "parse_manifest", "ServiceManifest"]

SERVICE_NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}$")

# Path segments core answers itself; a service may not take them as its name.
RESERVED_NAMES = frozenset(
    {
        "api",
        "assets",
        "audit",
        "auth",
        "collector",
        "docs",
        "internal",
        "locations",
        "relationships",
        "search",
        "services",
        "settings",
    }
)


class ManifestError(Exception):
    """A manifest that cannot be used; the message names the file, the field and the problem."""

    def __init__(self, path: str | Path, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = problems
        super().__init__(f"{self.path}: " + "; ".join(problems))


class AssetTypeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    label: str


class CollectorSpec(BaseModel):
    """What a collector may push: records keyed by `identityfield`, each a JSON Schema object."""

    model_config = ConfigDict(extra="forbid")
    identityfield: str
    fields: dict[str, dict[str, Any]]
    max_batch: int = Field(default=1000, ge=1, le=10000)

    @model_validator(mode="after")
    def _identity_is_a_field(self) -> CollectorSpec:
        if self.identityfield not in self.fields:
            raise ValueError(f"identityfield {self.identityfield!r} is not one of fields")
        return self


class NavigationItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str
    path: str


class EventSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    publishes: list[str] = Field(default_factory=list)
    consumes: list[str] = Field(default_factory=list)


class ServiceManifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: str
    description: str
    core_version: str
    depends_on: dict[str, str] = Field(default_factory=dict)
    api_prefix: str
    asset_types: list[AssetTypeSpec] = Field(default_factory=list)
    collector: CollectorSpec | None = None
    searchable_fields: list[str] = Field(default_factory=list)
    navigation: list[NavigationItem] = Field(default_factory=list)
    dashboard_widgets: list[dict[str, Any]] = Field(default_factory=list)
    events: EventSpec = Field(default_factory=EventSpec)

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not SERVICE_NAME.match(value):
            raise ValueError("must be 2-31 lowercase letters, digits or '_', starting with a letter")
        return value

    @field_validator("version")
    @classmethod
    def _valid_version(cls, value: str) -> str:
        try:
            Version(value)
        except InvalidVersion as exc:
            raise ValueError(f"{value!r} is not a PEP 440 version") from exc
        return value

    @field_validator("core_version")
    @classmethod
    def _valid_range(cls, value: str) -> str:
        return _check_specifier(value)

    @field_validator("depends_on")
    @classmethod
    def _valid_depends(cls, value: dict[str, str]) -> dict[str, str]:
        for service, spec in value.items():
            try:
                _check_specifier(spec)
            except ValueError as exc:
                raise ValueError(f"{service}: {exc}") from exc
        return value

    @field_validator("api_prefix")
    @classmethod
    def _valid_prefix(cls, value: str) -> str:
        if not value.startswith("/api") or value.endswith("/"):
            raise ValueError("must start with '/api' and not end with '/'")
        return value

    @property
    def specifier(self) -> SpecifierSet:
        return SpecifierSet(self.core_version)

    def public(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _check_specifier(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty: give a range such as '>=0.1,<0.2'")
    if any(not clause.strip() for clause in value.split(",")):
        # packaging skips empty clauses; ">=0.1,,<0.2" is a typo worth pointing out.
        raise ValueError(f"{value!r} has an empty clause between commas")
    try:
        SpecifierSet(value)
    except InvalidSpecifier as exc:
        raise ValueError(f"{value!r} is not a PEP 440 specifier such as '>=0.1,<0.2'") from exc
    return value


def parse_manifest(data: Any, *, source: str = "<manifest>", expected_name: str | None = None) -> ServiceManifest:
    """Validate manifest data; every problem is reported at once, each naming its field."""
    try:
        manifest = ServiceManifest.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "(root)"
            message = err["msg"]
            if err["type"] == "missing":
                message = "required field is missing"
            elif err["type"] == "extra_forbidden":
                message = "unknown field"
            problems.append(f"field '{field}': {message}")
        raise ManifestError(source, problems) from exc
    if expected_name is not None and manifest.name != expected_name:
        raise ManifestError(
            source,
            [f"field 'name': {manifest.name!r} does not match the service folder {expected_name!r}"],
        )
    return manifest


def load_manifest(path: str | Path, *, check_folder: bool = True) -> ServiceManifest:
    """Read `manifest.json` (a file, or the service folder holding it).

    With `check_folder`, the name must match the folder the manifest lives in.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "manifest.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(path, ["file not found"]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(path, [f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"]) from exc
    expected = path.resolve().parent.name if check_folder else None
    return parse_manifest(data, source=str(path), expected_name=expected)
