"""Statements with bound `{name:Type}` slots. No I/O; user values never enter SQL text."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

_SLOT = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*):[^{}]+\}")


class Profile(StrEnum):
    """Why a statement runs; each backend maps it to limits (timeouts, read-only)."""

    QUERY = "query"  # answers a user request: short timeout
    INGEST = "ingest"  # moves whole data days: long timeout
    DDL = "ddl"  # schema steps


@dataclass(frozen=True, slots=True)
class Statement:
    """One SQL text plus the values of its slots; refuses a mismatch at construction."""

    sql: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        slots = set(_SLOT.findall(self.sql))
        given = set(self.params)
        if slots != given:
            raise ValueError(
                f"statement slots {sorted(slots)} do not match params {sorted(given)}"
            )


class Params:
    """Collects bound values and hands out their `{pN:Type}` slots, so no slot is named by hand."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    def add(self, value: object, ch_type: str) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"{{{name}:{ch_type}}}"

    def statement(self, sql: str) -> Statement:
        return Statement(sql, dict(self.values))


def quote_identifier(name: str) -> str:
    """Backtick-quote an identifier that comes from our own schema constants, never from users."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"not a plain identifier: {name!r}")
    return f"`{name}`"
