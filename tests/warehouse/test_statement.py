"""Statements keep user values out of SQL text; schema steps apply once."""

from __future__ import annotations

import pytest

from orbit.warehouse import schema
from orbit.warehouse.backend import Warehouse
from orbit.warehouse.statement import Params, Statement, quote_identifier


def test_slots_and_params_must_match() -> None:
    with pytest.raises(ValueError, match="do not match"):
        Statement("SELECT {a:UInt8}", {})
    with pytest.raises(ValueError, match="do not match"):
        Statement("SELECT 1", {"a": 1})
    Statement("SELECT {a:UInt8}, {b:Array(String)}", {"a": 1, "b": ["x"]})


def test_params_hand_out_numbered_slots() -> None:
    p = Params()
    hostile = "x'); DROP TABLE signals; --"
    sql = f"SELECT count() FROM topics WHERE name = {p.add(hostile, 'String')} AND topic_id IN {p.add([1, 2], 'Array(UInt32)')}"
    stmt = p.statement(sql)
    assert hostile not in stmt.sql
    assert stmt.params == {"p0": hostile, "p1": [1, 2]}


def test_identifiers_are_plain() -> None:
    assert quote_identifier("signals") == "`signals`"
    with pytest.raises(ValueError):
        quote_identifier("signals; DROP")


@pytest.mark.warehouse
def test_hostile_values_are_data(fresh_wh: Warehouse) -> None:
    hostile = "x'); DROP TABLE topics; --"
    out = fresh_wh.query(Statement("SELECT {v:String} AS v", {"v": hostile})).to_pylist()
    assert out == [{"v": hostile}]
    assert fresh_wh.query(Statement("SELECT count() AS n FROM topics")).to_pylist() == [{"n": 0}]


@pytest.mark.warehouse
def test_migrate_applies_each_step_once(fresh_wh: Warehouse) -> None:
    versions = [s.version for s in schema.load_steps()]
    assert versions == sorted(versions) and versions[0] == 1
    assert schema.migrate(fresh_wh) == []  # already applied by the fixture
    assert schema.current_version(fresh_wh) == versions[-1]
