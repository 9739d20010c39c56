"""Route inputs of site analysis: the process's analyzer and the metadata session factory."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from orbit.site_analysis.analyzer import SiteAnalyzer


def _analyzer(request: Request) -> SiteAnalyzer:
    analyzer: SiteAnalyzer = request.app.state.site_analyzer
    return analyzer


def _sessions(request: Request) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = request.app.state.sessions
    return sessions


AnalyzerDep = Annotated[SiteAnalyzer, Depends(_analyzer)]
# For analyze, which stores its result in its own short transaction after the fetch.
SessionsDep = Annotated[sessionmaker[Session], Depends(_sessions)]
