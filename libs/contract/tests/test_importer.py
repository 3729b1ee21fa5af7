"""The contract's CSV importer: reading files, mapping columns, the four outcomes, dry run.

The target here keeps its records in a dict: it implements the importer's protocol for real
(the services' own targets, on real databases and a real core, are tested in each service),
so what is under test is the importer's behaviour, not a stand-in's.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, StringConstraints

from shopdb_contract.app import install_problem_handlers
from shopdb_contract.errors import ConflictError, ServiceUnavailableError, ValidationProblem
from shopdb_contract.importer import Existing, ImportSpec, asset_values, decode, import_router, read_rows, run_import
from shopdb_contract.outbox import SYSTEM

Key = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1)]


class MachineCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    machinenumber: str
    equipmenttype: Key
    memory_mb: int | None = None
    department: str = ""


class MachineUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    equipmenttype: Key = None
    memory_mb: int = None
    department: str = None


SPEC = ImportSpec(
    identityfield="machinenumber",
    fields=("machinenumber", "equipmenttype", "memory_mb", "department"),
    aliases={"type": "equipmenttype"},
)
TYPES = {"lathe", "mill"}


class Machines:
    create_model = MachineCreate
    update_model = MachineUpdate

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.writes = 0
        self.fail_after: int | None = None

    def existing(self, keys, *, columns):
        return {
            k: Existing(id=r["id"], values={n: r.get(n) for n in SPEC.fields}) for k, r in self.records.items() if k in keys
        }

    def check_create(self, data):
        self._check(data)

    def check_update(self, current, changes):
        self._check(changes)

    def _check(self, data):
        if "equipmenttype" in data and data["equipmenttype"] not in TYPES:
            raise ValidationProblem(f"no equipment type {data['equipmenttype']!r}", field="equipmenttype")
        if data.get("department") == "taken":
            raise ConflictError("department taken", field="department")

    def _write(self):
        if self.fail_after is not None and self.writes >= self.fail_after:
            raise ServiceUnavailableError("core is not reachable", service="core")
        self.writes += 1

    def create(self, data, *, actor):
        self._write()
        record = {"id": str(uuid.uuid4()), **data}
        self.records[data["machinenumber"].casefold()] = record
        return record["id"]

    def update(self, current, changes, *, actor):
        self._write()
        next(r for r in self.records.values() if r["id"] == current.id).update(changes)


@pytest.fixture
def machines():
    target = Machines()
    run_import("machinenumber,type,memory_mb\n2001,lathe,512\n2002,mill,\n", spec=SPEC, target=target, dry_run=False, actor=SYSTEM)
    target.writes = 0
    return target


def outcomes(result):
    return [(r["row"], r["outcome"], r["identity"]) for r in result["results"]]


FOUR = (
    "Machine Number;Type;Memory MB;Department\n"
    "3001;Grinder;;\n"      # unknown type -> rejected
    "2001;LATHE;512;\n"     # same as stored -> unchanged
    "2002;mill;1024;Turning\n"  # changed -> updated
    "4001;mill;;\n"         # new -> created
)


def test_dry_run_reports_the_four_outcomes_and_writes_nothing(machines):
    before = {k: dict(v) for k, v in machines.records.items()}
    result = run_import(FOUR, spec=SPEC, target=machines, dry_run=True, actor=SYSTEM)
    assert outcomes(result) == [(2, "rejected", "3001"), (3, "unchanged", "2001"), (4, "updated", "2002"), (5, "created", "4001")]
    assert (result["created"], result["updated"], result["unchanged"], result["rejected"]) == (1, 1, 1, 1)
    assert result["results"][0]["field"] == "equipmenttype" and "grinder" in result["results"][0]["reason"]
    assert result["results"][2]["changed"] == ["department", "memory_mb"]
    assert result["dry_run"] is True and "note" in result
    assert machines.records == before and machines.writes == 0


def test_real_run_writes_the_valid_rows_and_a_rerun_changes_nothing(machines):
    result = run_import(FOUR, spec=SPEC, target=machines, dry_run=False, actor=SYSTEM)
    assert [r["outcome"] for r in result["results"]] == ["rejected", "unchanged", "updated", "created"]
    assert machines.records["2002"]["memory_mb"] == 1024 and machines.records["2002"]["department"] == "Turning"
    assert machines.records["4001"]["id"] == result["results"][3]["id"]
    assert "3001" not in machines.records
    writes = machines.writes

    again = run_import(FOUR, spec=SPEC, target=machines, dry_run=False, actor=SYSTEM)
    assert [r["outcome"] for r in again["results"]] == ["rejected", "unchanged", "unchanged", "unchanged"]
    assert machines.writes == writes and len(machines.records) == 3


def test_headers_are_matched_without_case_blanks_or_underscores_and_by_alias():
    columns, rows = read_rows("MACHINE_NUMBER,type,Memory-MB, department \nM1,Mill,4,\n", SPEC)
    assert columns == {"MACHINE_NUMBER": "machinenumber", "type": "equipmenttype", "Memory-MB": "memory_mb", " department ": "department"}
    assert rows == [{"machinenumber": "M1", "equipmenttype": "Mill", "memory_mb": "4"}]


def test_an_unknown_column_refuses_the_whole_file_naming_it(machines):
    with pytest.raises(ValidationProblem) as raised:
        run_import("machinenumber,equipmenttype,colour\n9,lathe,red\n", spec=SPEC, target=machines, dry_run=False, actor=SYSTEM)
    assert raised.value.extensions["errors"][0]["field"] == "colour"
    assert "9" not in machines.records


def test_a_file_without_the_identity_column_is_refused():
    with pytest.raises(ValidationProblem) as raised:
        read_rows("equipmenttype\nlathe\n", SPEC)
    assert raised.value.extensions["errors"][0]["field"] == "machinenumber"


def test_a_schema_error_names_the_field_and_an_empty_cell_keeps_the_stored_value(machines):
    result = run_import("machinenumber,memory_mb,department\n2001,lots,\n2002,,Milling\n", spec=SPEC, target=machines, dry_run=False, actor=SYSTEM)
    first, second = result["results"]
    assert (first["outcome"], first["field"]) == ("rejected", "memory_mb")
    assert second["outcome"] == "updated" and second["changed"] == ["department"]
    assert machines.records["2001"]["memory_mb"] == 512


def test_a_repeated_identity_is_rejected_naming_the_first_row(machines):
    result = run_import("machinenumber,equipmenttype\n5001,lathe\n5001,mill\n", spec=SPEC, target=machines, dry_run=True, actor=SYSTEM)
    assert [r["outcome"] for r in result["results"]] == ["created", "rejected"]
    assert "row 2" in result["results"][1]["reason"]


def test_a_new_record_missing_a_required_field_is_rejected(machines):
    result = run_import("machinenumber,department\n6001,Turning\n", spec=SPEC, target=machines, dry_run=True, actor=SYSTEM)
    assert (result["results"][0]["outcome"], result["results"][0]["field"]) == ("rejected", "equipmenttype")


def test_a_rule_of_the_service_rejects_the_row_not_the_file(machines):
    result = run_import("machinenumber,equipmenttype,department\n7001,lathe,taken\n7002,lathe,\n", spec=SPEC, target=machines, dry_run=False, actor=SYSTEM)
    assert [(r["outcome"], r.get("field")) for r in result["results"]] == [("rejected", "department"), ("created", None)]


def test_core_unreachable_stops_the_run_and_a_rerun_finishes_it_without_duplicates(machines):
    text = "machinenumber,equipmenttype\n8001,lathe\n8002,lathe\n8003,mill\n"
    machines.fail_after = 1
    with pytest.raises(ServiceUnavailableError):
        run_import(text, spec=SPEC, target=machines, dry_run=False, actor=SYSTEM)
    assert "8001" in machines.records and "8002" not in machines.records
    machines.fail_after = None
    result = run_import(text, spec=SPEC, target=machines, dry_run=False, actor=SYSTEM)
    assert [r["outcome"] for r in result["results"]] == ["unchanged", "created", "created"]
    assert sum(1 for k in machines.records if k.startswith("800")) == 3


def test_blank_lines_keep_the_spreadsheet_row_numbers():
    result = run_import("machinenumber,equipmenttype\n\n9001,lathe\n", spec=SPEC, target=Machines(), dry_run=True, actor=SYSTEM)
    assert outcomes(result) == [(3, "created", "9001")]


def test_utf8_with_byte_order_mark_and_a_named_charset_are_read():
    assert decode("\ufeffmachinenumber\n1\n".encode("utf-8"), "text/csv") == "machinenumber\n1\n"
    assert decode("Dreherei Müller".encode("cp1252"), "text/csv; charset=windows-1252") == "Dreherei Müller"
    with pytest.raises(ValidationProblem):
        decode("Müller".encode("cp1252"), "text/csv")


def test_asset_values_give_a_location_by_its_id():
    assert asset_values({"location": {"id": "L1", "name": "Hall"}, "mapx": 1.5}, ["location", "mapx", "notes"]) == {
        "location": "L1", "mapx": 1.5, "notes": None,
    }


@pytest.fixture
def http(machines):
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(import_router(prefix="/api/machines", spec=SPEC, target=lambda _request: machines, max_rows=3))
    with TestClient(app) as client:
        yield client


def test_endpoint_is_a_dry_run_unless_told_otherwise(http, machines):
    body = "machinenumber,equipmenttype\n4242,lathe\n"
    dry = http.post("/api/machines/import", content=body, headers={"Content-Type": "text/csv"})
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True and dry.json()["created"] == 1
    assert "4242" not in machines.records
    real = http.post("/api/machines/import?dry_run=false", content=body, headers={"Content-Type": "text/csv"})
    assert real.json()["created"] == 1 and "4242" in machines.records


def test_endpoint_refuses_other_media_types_bad_flags_and_too_many_rows(http):
    wrong = http.post("/api/machines/import", json={"machinenumber": "1"})
    assert wrong.status_code == 415 and wrong.json()["field"] == "Content-Type"
    assert wrong.headers["content-type"].startswith("application/problem+json")
    flag = http.post("/api/machines/import?dry_run=maybe", content="machinenumber\n1\n", headers={"Content-Type": "text/csv"})
    assert flag.status_code == 422 and flag.json()["errors"][0]["field"] == "query.dry_run"
    many = http.post("/api/machines/import", content="machinenumber\n1\n2\n3\n4\n", headers={"Content-Type": "text/csv"})
    assert many.status_code == 413
    column = http.post("/api/machines/import", content="machinenumber,colour\n1,red\n", headers={"Content-Type": "text/csv"})
    assert column.status_code == 422 and column.json()["errors"][0]["field"] == "colour"
