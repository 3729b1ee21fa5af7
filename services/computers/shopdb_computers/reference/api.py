"""Adding a computer type (admins); the list is the declared reference's `GET /api/computers/types`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shopdb_contract.auth import require_role
from shopdb_contract.deps import DbSession
from shopdb_computers.reference import service

router = APIRouter(prefix="/api/computers/types", tags=["reference"])


class ComputerTypeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]{0,29}$")]
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    sortorder: int = Field(default=100, ge=0, le=100000)


@router.post("", status_code=201, dependencies=[require_role("admin")])
def create_type(body: ComputerTypeCreate, session: DbSession) -> dict:
    row = service.create_computer_type(session, **body.model_dump())
    session.commit()
    return service.computer_type_out(row)
