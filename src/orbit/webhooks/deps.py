"""Route inputs of the webhooks router: the process's webhook context and session factory."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from orbit.webhooks.service import Context


def _context(request: Request) -> Context:
    ctx: Context = request.app.state.webhooks
    return ctx


def _sessions(request: Request) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = request.app.state.sessions
    return sessions


WebhooksDep = Annotated[Context, Depends(_context)]
# For create and update, which resolve the URL's host before their own short transaction.
SessionsDep = Annotated[sessionmaker[Session], Depends(_sessions)]
