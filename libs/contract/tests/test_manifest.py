"""Manifest loading: every error names the file, the field and the problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shopdb_contract.manifest import ManifestError, ServiceManifest, load_manifest, parse_manifest


def valid_manifest(name: str = "computers", **changes) -> dict:
    data = {
        "name": name,
        "version": "0.1.0",
        "description": "PCs on the shop floor",
        "core_version": ">=0.1,<0.2",
        "depends_on": {},
        "api_prefix": f"/api/{name}",
        "asset_types": [{"name": "pc", "label": "PC"}],
        "collector": {"identityfield": "hostname", "fields": {"hostname": {"type": "string"}}},
        "navigation": [{"label": "Computers", "path": "/computers"}],
    }
    data.update(changes)
    return data


def write_service(tmp_path: Path, folder: str, data) -> Path:
    service_dir = tmp_path / folder
    service_dir.mkdir()
    text = data if isinstance(data, str) else json.dumps(data, indent=2)
    (service_dir / "manifest.json").write_text(text, encoding="utf-8")
    return service_dir


def test_valid_manifest_loads_from_its_folder(tmp_path):
    manifest = load_manifest(write_service(tmp_path, "computers", valid_manifest()))
    assert isinstance(manifest, ServiceManifest)
    assert manifest.name == "computers"
    assert manifest.asset_types[0].name == "pc"
    assert manifest.collector.identityfield == "hostname"


def test_missing_field_is_named_with_the_file(tmp_path):
    data = valid_manifest()
    del data["core_version"]
    service_dir = write_service(tmp_path, "computers", data)
    with pytest.raises(ManifestError) as caught:
        load_manifest(service_dir)
    message = str(caught.value)
    assert str(service_dir / "manifest.json") in message
    assert "field 'core_version': required field is missing" in message


def test_name_not_matching_folder_is_refused(tmp_path):
    service_dir = write_service(tmp_path, "printers", valid_manifest("computers"))
    with pytest.raises(ManifestError) as caught:
        load_manifest(service_dir)
    assert "field 'name'" in str(caught.value)
    assert "'computers' does not match the service folder 'printers'" in str(caught.value)


@pytest.mark.parametrize("spec", ["0.1", ">=0.1,,<0.2", "~>0.1", ""])
def test_bad_core_version_specifier_is_named(spec):
    with pytest.raises(ManifestError) as caught:
        parse_manifest(valid_manifest(core_version=spec), source="computers/manifest.json")
    message = str(caught.value)
    assert message.startswith("computers/manifest.json: ")
    assert "field 'core_version'" in message


def test_bad_dependency_specifier_names_the_dependency():
    with pytest.raises(ManifestError) as caught:
        parse_manifest(valid_manifest(depends_on={"network": "latest"}))
    assert "field 'depends_on'" in str(caught.value)
    assert "network" in str(caught.value)


def test_unparseable_json_reports_line_and_column(tmp_path):
    text = '{\n  "name": "computers",\n  "version": 0.1.0\n}\n'
    service_dir = write_service(tmp_path, "computers", text)
    with pytest.raises(ManifestError) as caught:
        load_manifest(service_dir)
    assert "not valid JSON at line 3, column" in str(caught.value)
    assert "manifest.json" in str(caught.value)


def test_missing_file_is_named(tmp_path):
    (tmp_path / "computers").mkdir()
    with pytest.raises(ManifestError) as caught:
        load_manifest(tmp_path / "computers")
    assert "manifest.json: file not found" in str(caught.value)


def test_every_problem_is_reported_at_once():
    data = valid_manifest(version="one", api_prefix="/computers", colour="blue")
    with pytest.raises(ManifestError) as caught:
        parse_manifest(data)
    fields = " ".join(caught.value.problems)
    assert "field 'version'" in fields
    assert "field 'api_prefix'" in fields
    assert "field 'colour': unknown field" in fields
    assert len(caught.value.problems) == 3


def test_collector_identityfield_must_be_one_of_its_fields():
    data = valid_manifest(collector={"identityfield": "serial", "fields": {"hostname": {"type": "string"}}})
    with pytest.raises(ManifestError) as caught:
        parse_manifest(data)
    assert "field 'collector'" in str(caught.value)
    assert "identityfield 'serial' is not one of fields" in str(caught.value)


@pytest.mark.parametrize("name", ["Computers", "c", "9lives", "with-dash"])
def test_invalid_service_name_is_refused(name):
    with pytest.raises(ManifestError) as caught:
        parse_manifest(valid_manifest(name))
    assert "field 'name'" in str(caught.value)
