"""The app factory: health, readiness, problem+json for every error, request ids, JSON logs."""

from __future__ import annotations

import json
import logging

from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, SecretStr

from shopdb_contract.app import create_service_app
from shopdb_contract.db import Database
from shopdb_contract.errors import ConflictError
from shopdb_contract.manifest import parse_manifest
from shopdb_contract.processes import free_port
from shopdb_contract.settings import ServiceSettings
from shopdb_contract.testing.auth import signing_key

EDITOR = signing_key().headers("editor")
SECRET = "9c1d27be84e6a9d0c55b7e21f4a8c93d6b0e1f3a"
MANIFEST = parse_manifest(
    {
        "name": "printers",
        "version": "0.3.1",
        "description": "Printers and their queues",
        "core_version": ">=0.1,<0.2",
        "api_prefix": "/api/printers",
    }
)


class Tray(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    sheets: int


class PrinterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hostname: str
    trays: list[Tray] = []


def printer_router() -> APIRouter:
    router = APIRouter(prefix="/api/printers")
    log = logging.getLogger("shopdb.printers")

    @router.get("/ping")
    def ping() -> dict:
        log.info("printer pinged", extra={"password": "hunter2-never-logged", "hostname": "prn-01"})
        return {"pong": True}

    @router.post("")
    def create(printer: PrinterIn) -> dict:
        return printer.model_dump()

    @router.post("/conflict")
    def conflict() -> dict:
        raise ConflictError("printer 'prn-01' already exists", field="hostname")

    return router


def make_app(database_url: str):
    settings = ServiceSettings(
        _env_file=None, registration_secret=SecretStr(SECRET), jwks_file=signing_key().jwks_file()
    )
    return create_service_app(
        manifest=MANIFEST,
        settings=settings,
        database=Database(database_url),
        routers=[printer_router()],
        register=False,
    )


def test_healthz_names_the_service(tmp_path):
    with TestClient(make_app(f"sqlite:///{tmp_path}/p.db"), headers=EDITOR) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": "printers", "version": "0.3.1"}


def test_readyz_answers_ready_when_the_database_answers(tmp_path):
    with TestClient(make_app(f"sqlite:///{tmp_path}/p.db"), headers=EDITOR) as client:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["database"] == "sqlite"


def test_readyz_is_503_problem_when_the_database_is_unreachable():
    # Nothing listens on this port, so the driver fails to connect.
    unreachable = f"mysql+pymysql://root@127.0.0.1:{free_port()}/printers"
    with TestClient(make_app(unreachable), headers=EDITOR) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:shopdb:problem:not-ready"
    assert "printers" in body["detail"]


def test_unknown_path_is_problem_404(tmp_path):
    with TestClient(make_app(f"sqlite:///{tmp_path}/p.db"), headers=EDITOR) as client:
        response = client.get("/api/printers/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "no such path: /api/printers/nowhere"
    assert response.json()["instance"] == "/api/printers/nowhere"


def test_wrong_method_is_problem_405(tmp_path):
    with TestClient(make_app(f"sqlite:///{tmp_path}/p.db"), headers=EDITOR) as client:
        response = client.delete("/api/printers/ping")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:shopdb:problem:method-not-allowed"


def test_validation_error_is_problem_422_with_field_paths(tmp_path):
    body = {"hostname": "prn-01", "trays": [{"name": "A4", "sheets": "many"}], "colour": "red"}
    with TestClient(make_app(f"sqlite:///{tmp_path}/p.db"), headers=EDITOR) as client:
        response = client.post("/api/printers", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "urn:shopdb:problem:validation"
    fields = {e["field"]: e["message"] for e in problem["errors"]}
    assert "body.trays[0].sheets" in fields
    assert fields["body.colour"] == "unknown field"
    assert "body.trays[0].sheets" in problem["detail"]


def test_raised_problem_error_keeps_its_type_and_extensions(tmp_path):
    with TestClient(make_app(f"sqlite:///{tmp_path}/p.db"), headers=EDITOR) as client:
        response = client.post("/api/printers/conflict", headers={"X-Request-Id": "req-42"})
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == "urn:shopdb:problem:conflict"
    assert problem["field"] == "hostname"
    assert problem["request_id"] == "req-42"


def test_request_id_is_echoed_when_given(tmp_path):
    with TestClient(make_app(f"sqlite:///{tmp_path}/p.db"), headers=EDITOR) as client:
        response = client.get("/api/printers/ping", headers={"X-Request-Id": "scan-2024.11:7"})
    assert response.headers["x-request-id"] == "scan-2024.11:7"


def test_request_id_is_generated_when_missing_or_unsafe(tmp_path):
    with TestClient(make_app(f"sqlite:///{tmp_path}/p.db"), headers=EDITOR) as client:
        plain = client.get("/api/printers/ping")
        unsafe = client.get("/api/printers/ping", headers={"X-Request-Id": "a b\tc" + "x" * 200})
    for response in (plain, unsafe):
        generated = response.headers["x-request-id"]
        assert len(generated) == 32 and int(generated, 16) >= 0
    assert plain.headers["x-request-id"] != unsafe.headers["x-request-id"]


def test_openapi_lives_under_the_service_prefix(tmp_path):
    with TestClient(make_app(f"sqlite:///{tmp_path}/p.db"), headers=EDITOR) as client:
        assert client.get("/api/printers/openapi.json").status_code == 200
        assert client.get("/openapi.json").status_code == 404


def test_log_lines_are_json_with_request_id_and_no_secret(tmp_path, capfd):
    with TestClient(make_app(f"sqlite:///{tmp_path}/p.db"), headers=EDITOR) as client:
        client.get("/api/printers/ping", headers={"X-Request-Id": "req-log-1"})
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    pinged = [e for e in lines if e["msg"] == "printer pinged"]
    assert pinged and pinged[0]["request_id"] == "req-log-1"
    assert pinged[0]["service"] == "printers"
    assert pinged[0]["password"] == "[redacted]"
    access = [e for e in lines if e["msg"] == "request" and e.get("path") == "/api/printers/ping"]
    assert access and access[0]["request_id"] == "req-log-1" and access[0]["status"] == 200
    everything = "\n".join(json.dumps(e) for e in lines)
    assert "hunter2-never-logged" not in everything
    assert SECRET not in everything
