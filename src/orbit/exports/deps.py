"""Route inputs of the exports router: the file store, session factory, settings, public URL."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from orbit.exports.storage import ExportStorage
from orbit.settings import Settings


def _storage(request: Request) -> ExportStorage:
    storage: ExportStorage = request.app.state.export_storage
    return storage


def _sessions(request: Request) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = request.app.state.sessions
    return sessions


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _base_url(request: Request) -> str:
    """`exports.public_base_url`, else the address this request came in on (set the former
    behind a proxy that rewrites hosts)."""
    settings: Settings = request.app.state.settings
    return (settings.exports.public_base_url or str(request.base_url)).rstrip("/")


StorageDep = Annotated[ExportStorage, Depends(_storage)]
# For routes that open their own short transactions instead of the request's `DbSession`.
SessionsDep = Annotated[sessionmaker[Session], Depends(_sessions)]
SettingsDep = Annotated[Settings, Depends(_settings)]
BaseUrlDep = Annotated[str, Depends(_base_url)]
