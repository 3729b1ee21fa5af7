"""Compatibility rules core applies at registration, and the order services start in.

Pre-releases: a range admits a pre-release contract version (say 0.2.0rc1) only when the range
itself names a pre-release (">=0.2.0rc1,<0.3"), as PEP 440 says. A site running a release
candidate of core must opt each service in; a service is never moved onto an unreleased
contract by accident.
"""

from __future__ import annotations

from collections.abc import Mapping

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from shopdb_contract import __contract_version__
from shopdb_contract.errors import ContractError, ContractVersionError, DependencyError
from shopdb_contract.manifest import RESERVED_NAMES, ServiceManifest

__all__ = ["check_contract", "check_dependencies", "check_name", "check_registration", "dependency_order",
    "version_in_range"]


def version_in_range(version: str, spec: str) -> bool:
    specifier = SpecifierSet(spec)
    # Said explicitly rather than left to packaging's default, which changed between its
    # releases: only a range naming a pre-release (specifier.prereleases) admits one.
    return specifier.contains(Version(version), prereleases=bool(specifier.prereleases))


def check_contract(manifest: ServiceManifest, contract_version: str = __contract_version__) -> None:
    """Raise `ContractVersionError` unless the manifest's range admits `contract_version`."""
    if not version_in_range(contract_version, manifest.core_version):
        hint = ""
        if Version(contract_version).is_prerelease:
            hint = " (a pre-release is admitted only by a range that names a pre-release)"
        raise ContractVersionError(
            f"service {manifest.name!r} {manifest.version} supports contract {manifest.core_version!r}, "
            f"but core speaks contract {contract_version}{hint}; "
            f"update the service or its manifest's core_version range",
            service=manifest.name,
            service_range=manifest.core_version,
            contract_version=contract_version,
        )


def check_name(manifest: ServiceManifest) -> None:
    if manifest.name == "core":
        # Core registers itself; a service calling itself core is refused by the registry.
        if manifest.api_prefix != "/api":
            raise ContractError("core must own the prefix '/api'", service="core")
        return
    if manifest.name in RESERVED_NAMES:
        raise ContractError(
            f"service name {manifest.name!r} is reserved by core; choose another name",
            service=manifest.name,
        )
    if manifest.api_prefix != f"/api/{manifest.name}":
        raise ContractError(
            f"service {manifest.name!r} must own the prefix '/api/{manifest.name}', "
            f"not {manifest.api_prefix!r}",
            service=manifest.name,
        )


def check_dependencies(manifest: ServiceManifest, registered: Mapping[str, str]) -> None:
    """`registered` maps each registered, compatible service to its version."""
    problems = []
    for dependency, spec in sorted(manifest.depends_on.items()):
        have = registered.get(dependency)
        if have is None:
            problems.append(f"{dependency} ({spec}) is not registered")
        elif not version_in_range(have, spec):
            problems.append(f"{dependency} {have} is registered but {spec} is required")
    if problems:
        raise DependencyError(
            f"service {manifest.name!r} cannot start: " + "; ".join(problems)
            + "; install or upgrade those services first",
            service=manifest.name,
            unmet=problems,
        )


def check_registration(
    manifest: ServiceManifest,
    registered: Mapping[str, str],
    contract_version: str = __contract_version__,
) -> None:
    """Every rule core applies to a registering service, in the order a person would fix them."""
    check_name(manifest)
    check_contract(manifest, contract_version)
    check_dependencies(manifest, registered)


def dependency_order(manifests: Mapping[str, ServiceManifest]) -> list[str]:
    """Names in an order where each service comes after what it depends on.

    Dependencies outside `manifests` are ignored here (registration checks them). A cycle is
    refused with the cycle spelled out, e.g. "a -> b -> a".
    """
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = path[path.index(name):] + [name]
            raise DependencyError(
                "dependency cycle: " + " -> ".join(cycle), cycle=cycle
            )
        state[name] = "visiting"
        for dependency in sorted(manifests[name].depends_on):
            if dependency in manifests:
                visit(dependency, path + [name])
        state[name] = "done"
        order.append(name)

    for name in sorted(manifests):
        visit(name, [])
    return order
