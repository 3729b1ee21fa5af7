"""FastAPI dependencies every service uses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

__all__ = ["DbSession", "get_session"]


def get_session(request: Request) -> Iterator[Session]:
    """A session for one request; work not committed by the handler is rolled back."""
    with request.app.state.database.session() as session:
        # Auditing reads the actor (left on request.state by authentication) from here.
        session.info["request"] = request
        yield session


DbSession = Annotated[Session, Depends(get_session)]
