"""Compatibility rules core applies at registration, and the start order of services."""

from __future__ import annotations

import pytest

from shopdb_contract import __contract_version__
from shopdb_contract.compat import (
    check_contract,
    check_dependencies,
    check_registration,
    dependency_order,
    version_in_range,
)
from shopdb_contract.errors import ContractError, ContractVersionError, DependencyError
from shopdb_contract.manifest import parse_manifest


def manifest(name: str = "computers", core_version: str = ">=0.1,<0.2", depends_on=None, **changes):
    data = {
        "name": name,
        "version": "0.1.0",
        "description": name,
        "core_version": core_version,
        "depends_on": depends_on or {},
        "api_prefix": f"/api/{name}",
    }
    data.update(changes)
    return parse_manifest(data)


def test_contract_inside_range_is_accepted():
    check_contract(manifest(core_version=">=0.1,<0.2"), "0.1.0")
    check_contract(manifest(core_version=">=0.1,<0.2"), "0.1.7")


def test_contract_outside_range_names_both_versions():
    with pytest.raises(ContractVersionError) as caught:
        check_contract(manifest(core_version=">=0.2,<0.3"), "0.1.0")
    problem = caught.value.to_problem()
    assert problem["status"] == 409
    assert problem["type"] == "urn:shopdb:problem:contract-version"
    assert "'>=0.2,<0.3'" in problem["detail"] and "0.1.0" in problem["detail"]
    assert problem["service_range"] == ">=0.2,<0.3"
    assert problem["contract_version"] == "0.1.0"


def test_installed_contract_satisfies_core_own_range():
    check_contract(manifest(core_version=">=0.1,<0.2"), __contract_version__)


def test_prerelease_contract_is_refused_by_a_range_naming_none():
    assert not version_in_range("0.2.0rc1", ">=0.1,<0.3")
    with pytest.raises(ContractVersionError) as caught:
        check_contract(manifest(core_version=">=0.1,<0.3"), "0.2.0rc1")
    assert "pre-release is admitted only by a range that names a pre-release" in caught.value.detail


def test_prerelease_contract_is_admitted_by_a_range_naming_one():
    assert version_in_range("0.2.0rc1", ">=0.2.0rc1,<0.3")
    check_contract(manifest(core_version=">=0.2.0rc1,<0.3"), "0.2.0rc1")
    # The final release is admitted by the same range.
    check_contract(manifest(core_version=">=0.2.0rc1,<0.3"), "0.2.0")


def test_exclusive_upper_bound_excludes_the_next_minor():
    assert version_in_range("0.1.99", ">=0.1,<0.2")
    assert not version_in_range("0.2.0", ">=0.1,<0.2")


def test_reserved_name_is_refused():
    with pytest.raises(ContractError) as caught:
        check_registration(manifest("assets"), {})
    assert caught.value.status == 422
    assert "reserved" in caught.value.detail


def test_prefix_must_match_the_name():
    with pytest.raises(ContractError) as caught:
        check_registration(manifest("printers", api_prefix="/api/computers"), {})
    assert "/api/printers" in caught.value.detail


def test_missing_and_incompatible_dependencies_are_all_named():
    m = manifest("equipment", depends_on={"computers": ">=0.2,<0.3", "network": ">=0.1,<0.2"})
    with pytest.raises(DependencyError) as caught:
        check_dependencies(m, {"computers": "0.1.4"})
    detail = caught.value.detail
    assert "computers 0.1.4 is registered but >=0.2,<0.3 is required" in detail
    assert "network (>=0.1,<0.2) is not registered" in detail
    assert caught.value.status == 409
    assert len(caught.value.extensions["unmet"]) == 2


def test_met_dependencies_pass():
    check_dependencies(manifest("equipment", depends_on={"computers": ">=0.1,<0.2"}), {"computers": "0.1.3"})


def test_registration_checks_name_before_version():
    # A person fixes the name first; a reserved name with a bad range reports the name.
    with pytest.raises(ContractError) as caught:
        check_registration(manifest("search", core_version=">=9"), {})
    assert not isinstance(caught.value, ContractVersionError)


def test_dependency_order_puts_dependencies_first():
    manifests = {
        "equipment": manifest("equipment", depends_on={"computers": ">=0.1", "network": ">=0.1"}),
        "computers": manifest("computers", depends_on={"network": ">=0.1"}),
        "network": manifest("network"),
        "usb": manifest("usb", depends_on={"elsewhere": ">=1"}),
    }
    order = dependency_order(manifests)
    assert sorted(order) == sorted(manifests)
    assert order.index("network") < order.index("computers") < order.index("equipment")


def test_dependency_cycle_is_named():
    manifests = {
        "alpha": manifest("alpha", depends_on={"beta": ">=0.1"}),
        "beta": manifest("beta", depends_on={"gamma": ">=0.1"}),
        "gamma": manifest("gamma", depends_on={"alpha": ">=0.1"}),
    }
    with pytest.raises(DependencyError) as caught:
        dependency_order(manifests)
    assert caught.value.detail == "dependency cycle: alpha -> beta -> gamma -> alpha"
    assert caught.value.extensions["cycle"] == ["alpha", "beta", "gamma", "alpha"]
