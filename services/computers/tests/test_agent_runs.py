"""The real agents (Debian's packages, and GLPI Agent where installed) run against the agent protocol over HTTP with Basic auth.

The agents are unmodified: FusionInventory's `--user/--password`, OCS's base64 `--user/--password`
with `--realm shopdb`. Tokens are checked by a stand-in for core's introspection (a dict), since
core's own answer is tested in test_agent_auth; everything else is the real exchange.
"""

from __future__ import annotations

import base64
import shutil
import socket
import subprocess

import pytest

from shopdb_computers.agents.testing import AgentServer
from shopdb_contract.auth import Authenticator
from shopdb_contract.testing.auth import signing_key
from shopdb_contract.tokens import AccessTokenVerifier, KeySet, jwks_from_file

TOKEN = "sdb_0123456789abcdef_agents-test-secret"
TOKENS = {TOKEN: {"active": True, "id": "0123456789abcdef", "name": "site agents", "role": "editor", "services": ["computers"]}}
HOSTNAME = socket.gethostname().split(".")[0]


def authenticator() -> Authenticator:
    async def introspect(token: str) -> dict:
        return TOKENS.get(token, {"active": False})

    return Authenticator(verifier=AccessTokenVerifier(KeySet(jwks_from_file(signing_key().jwks_file()))), introspect=introspect)


def agent(name: str) -> str:
    path = shutil.which(name)
    if path is None and name == "glpi-agent":
        pytest.skip("glpi-agent is not installed: Debian 12 does not package it (GLPI's own packages do)")
    if path is None:
        pytest.skip(f"{name} is not installed (Debian package {name}; .ci/run installs it)")
    return path


def run(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def fusion(server: AgentServer, password: str) -> subprocess.CompletedProcess:
    return run([
        agent("fusioninventory-agent"), "--server", server.url, "--user", "inventory", "--password", password,
        "--tasks=inventory", "--no-category=environment,process", "--no-httpd", "--logger=stderr",
    ])


def check_record(record: dict) -> None:
    assert record["hostname"] == HOSTNAME
    assert record["memory_mb"] > 0 and record["cpu"]["cores"] >= 1
    assert record["volumes"] and record["interfaces"] and len(record["software"]) > 100
    assert record["partial"] is False


def test_fusioninventory_agent_sends_its_inventory_with_a_computers_token():
    with AgentServer(authenticator()) as server:
        result = fusion(server, TOKEN)
    assert result.returncode == 0, result.stderr
    answered = [(e.kind, e.status) for e in server.exchanges if e.status != 401]
    assert answered == [("prolog", 200), ("inventory", 200)], result.stderr
    # Each message is first sent without credentials, answered 401 with the Basic challenge.
    challenges = [e for e in server.exchanges if e.status == 401]
    assert challenges and "Authorization" not in challenges[0].headers
    assert all(e.headers["Content-Type"] == "application/x-compress-zlib" for e in server.exchanges)
    (record,) = server.records
    check_record(record)
    assert record["source"]["format"] == "fusioninventory-xml" and record["source"]["agent"].startswith("FusionInventory-Agent_v2.6")


def test_fusioninventory_agent_with_a_persons_password_sends_nothing():
    with AgentServer(authenticator()) as server:
        fusion(server, "correct-horse-battery-staple")
    assert server.records == []
    assert {e.status for e in server.exchanges} == {401}


def test_ocs_agent_sends_its_inventory_with_a_computers_token():
    encode = lambda text: base64.b64encode(text.encode()).decode()  # noqa: E731 (OCS wants them encoded)
    with AgentServer(authenticator()) as server:
        # --nolocal: Debian's package configures local mode, which otherwise wins over --server.
        result = run([
            agent("ocsinventory-agent"), "--server", server.url + "ocsinventory", "--nolocal",
            "--user", encode("inventory"), "--password", encode(TOKEN), "--realm", "shopdb",
        ])
    assert result.returncode == 0, result.stderr
    assert [(e.kind, e.status) for e in server.exchanges if e.status != 401] == [("prolog", 200), ("inventory", 200)]
    assert all(e.path == "/ocsinventory" and e.headers["Content-Type"] == "application/x-compress" for e in server.exchanges)
    (record,) = server.records
    check_record(record)
    assert record["source"]["format"] == "ocs-xml"


def test_glpi_agent_switches_to_its_json_protocol_then_sends_partial_inventories(tmp_path):
    command = [
        agent("glpi-agent"), "--server", "", "--user", "inventory", "--password", TOKEN, "--tasks=inventory",
        "--no-category=environment,process", "--no-httpd", "--logger=stderr", f"--vardir={tmp_path}",
    ]
    with AgentServer(authenticator()) as server:
        command[2] = server.url
        for _ in range(2):  # the second run knows the server: CONTACT, then only what changed
            result = run(command)
            assert result.returncode == 0, result.stderr
    assert [e.kind for e in server.exchanges if e.status == 200] == ["prolog", "inventory", "contact", "inventory"]
    assert all("GLPI-Agent-ID" in e.headers for e in server.exchanges)
    full, partial = server.records
    check_record(full)
    assert full["source"]["format"] == "glpi-json" and full["identity"]["agent_id"] == partial["identity"]["agent_id"]
    assert partial["partial"] is True and partial["hostname"] == HOSTNAME and "software" not in partial["fields"]
