"""Versioned warehouse schema: ordered DDL steps recorded in `schema_version`."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

from orbit.warehouse import steps as steps_pkg
from orbit.warehouse.backend import Warehouse
from orbit.warehouse.statement import Profile, Statement

SCHEMA_VERSION_DDL = """
CREATE TABLE IF NOT EXISTS schema_version (
    version UInt32,
    name String,
    applied_at DateTime DEFAULT now()
) ENGINE = MergeTree ORDER BY version
"""

APPLIED_VERSIONS = "SELECT version FROM schema_version ORDER BY version"
RECORD_VERSION = "INSERT INTO schema_version (version, name) VALUES ({version:UInt32}, {name:String})"


@dataclass(frozen=True, slots=True)
class Step:
    version: int
    name: str
    statements: tuple[str, ...]


def load_steps() -> list[Step]:
    """Every step module under `orbit.warehouse.steps`, in version order."""
    found: list[Step] = []
    for info in pkgutil.iter_modules(steps_pkg.__path__):
        number, _, slug = info.name.partition("_")
        if not number.isdigit():
            continue
        module = importlib.import_module(f"{steps_pkg.__name__}.{info.name}")
        found.append(Step(int(number), slug, tuple(module.STATEMENTS)))
    found.sort(key=lambda s: s.version)
    if len({s.version for s in found}) != len(found):
        raise RuntimeError("two warehouse steps share a version number")
    return found


def migrate(wh: Warehouse) -> list[int]:
    """Apply the steps not yet recorded; returns the versions applied now.

    Each step's DDL is idempotent (`IF NOT EXISTS`), so a crash between a step and its record
    is repaired by running it again.
    """
    wh.command(Statement(SCHEMA_VERSION_DDL))
    applied = {row["version"] for row in wh.query(Statement(APPLIED_VERSIONS)).to_pylist()}
    done: list[int] = []
    for step in load_steps():
        if step.version in applied:
            continue
        for ddl in step.statements:
            wh.command(Statement(ddl), profile=Profile.DDL)
        wh.command(Statement(RECORD_VERSION, {"version": step.version, "name": step.name}))
        done.append(step.version)
    return done


def current_version(wh: Warehouse) -> int:
    rows = wh.query(Statement(APPLIED_VERSIONS)).to_pylist()
    return max((r["version"] for r in rows), default=0)
