"""The cluster rendering: every DDL step, load swap and run mutation rendered ON CLUSTER against
replicated local tables, each statement parsed by the engine; the single-node path unchanged."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from pydantic import ValidationError

from orbit.settings import Settings
from orbit.warehouse import catalog, loads, runs_sql, schema
from orbit.warehouse.audience_sql import AudienceSpec
from orbit.warehouse.backend import ChdbWarehouse, Warehouse
from orbit.warehouse.cluster import (
    CLUSTER_SETTINGS,
    REPLICATED,
    SHARDING_KEYS,
    Cluster,
    ClusterRenderingError,
    ClusterWarehouse,
)
from orbit.warehouse.factory import open_warehouse
from orbit.warehouse.statement import Profile, Statement

CLUSTER = Cluster("orbit-cluster", "orbit")
ON = "ON CLUSTER `orbit-cluster`"
DAY = date(2026, 11, 20)


@dataclass(frozen=True, slots=True)
class Sent:
    sql: str
    params: dict[str, object]
    query_id: str | None


class ParsingWarehouse:
    """The engine without a cluster: statements without rows are parsed by chDB (formatQuery)
    and recorded instead of run, since ON CLUSTER needs Keeper and remote hosts; reads and
    Parquet loads go to a real chDB database."""

    def __init__(self, real: Warehouse) -> None:
        self.real = real
        self.database = CLUSTER.database
        self.sent: list[Sent] = []
        self.loaded: list[str] = []

    def parse(self, sql: str) -> str:
        """The engine's own formatting of `sql`; raises WarehouseQueryError when it does not parse."""
        out = self.real.query(Statement("SELECT formatQuery({q:String}) AS f", {"q": sql})).to_pylist()
        return str(out[0]["f"])

    def query(self, stmt: Statement, *, profile: Profile = Profile.QUERY) -> pa.Table:
        return self.real.query(stmt, profile=profile)

    def command(self, stmt: Statement, *, profile: Profile = Profile.DDL, query_id: str | None = None) -> None:
        self.parse(stmt.sql)
        self.sent.append(Sent(stmt.sql, dict(stmt.params), query_id))

    def query_bytes(self, stmt: Statement, *, fmt: str, profile: Profile = Profile.QUERY) -> bytes:
        return self.real.query_bytes(stmt, fmt=fmt, profile=profile)

    def stream_bytes(self, stmt: Statement, *, fmt: str, profile: Profile = Profile.QUERY) -> Iterator[bytes]:
        return self.real.stream_bytes(stmt, fmt=fmt, profile=profile)

    def load_parquet(self, table_name: str, columns: Sequence[str], path: Path) -> None:
        self.loaded.append(table_name)

    def close(self) -> None:
        pass

    @property
    def sqls(self) -> list[str]:
        return [s.sql for s in self.sent]


@pytest.fixture
def engine(fresh_wh: Warehouse) -> ParsingWarehouse:
    return ParsingWarehouse(fresh_wh)


@pytest.fixture
def cw(engine: ParsingWarehouse) -> ClusterWarehouse:
    return ClusterWarehouse(engine, CLUSTER)


# --- settings ---------------------------------------------------------------------------------

def test_a_cluster_needs_the_server_backend(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="ORBIT_WAREHOUSE__CLUSTER needs ORBIT_WAREHOUSE__BACKEND=clickhouse"):
        Settings(data_dir=tmp_path, warehouse={"cluster": "orbit"})


def test_a_cluster_name_is_checked(tmp_path: Path) -> None:
    ok = Settings(data_dir=tmp_path, warehouse={"backend": "clickhouse", "url": "http://h:8123", "cluster": "orbit-prod.eu"})
    assert ok.warehouse.cluster == "orbit-prod.eu"
    for bad in ("orbit`; DROP", "a'b", "", "x" * 64):
        with pytest.raises(ValidationError):
            Settings(data_dir=tmp_path, warehouse={"backend": "clickhouse", "url": "http://h:8123", "cluster": bad})
    assert Settings(data_dir=tmp_path).warehouse.cluster is None


# --- the single-node path ---------------------------------------------------------------------

# sha256 of each applied step's statements: a cluster is a rendering, never an edit of a step
# (and applied steps are never edited, R6).
APPLIED_STEPS = {
    1: "af940cb83602c8906dc672e3c087b3756aba59e8d9176d6b2a54bf88a113efd6",
    2: "8915020a8b32964deeb780864bd9b9e82f0c7728f5eddb714ae74f68792b9bae",
    3: "6b8f41dfd535e92f4d251d9a10087919e03097f83e308b5349b3a5d9b76a0c42",
}


def _digest(statements: Sequence[str]) -> str:
    return hashlib.sha256("\0".join(statements).encode()).hexdigest()


def test_applied_steps_are_unchanged() -> None:
    steps = {s.version: _digest(s.statements) for s in schema.load_steps()}
    assert {v: steps[v] for v in APPLIED_STEPS} == APPLIED_STEPS


@pytest.mark.warehouse
def test_single_node_opens_the_engine_itself(warehouse_root: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, warehouse={"path": warehouse_root, "database": "t_single_node"})
    wh = open_warehouse(settings)
    try:
        assert isinstance(wh, ChdbWarehouse)
    finally:
        wh.command(Statement("DROP DATABASE IF EXISTS t_single_node"))
        wh.close()


# --- schema steps -----------------------------------------------------------------------------

@pytest.mark.warehouse
def test_migrate_renders_every_step_for_the_cluster(engine: ParsingWarehouse, cw: ClusterWarehouse) -> None:
    engine.real.command(Statement("TRUNCATE TABLE schema_version"))  # reads come from chDB: nothing applied
    versions = [s.version for s in schema.load_steps()]
    assert schema.migrate(cw) == versions  # every statement parsed (ParsingWarehouse.command)

    sqls = engine.sqls
    assert sqls[0] == f"CREATE DATABASE IF NOT EXISTS `orbit` {ON} ENGINE = Atomic"
    creates = [s for s in sqls if s.startswith("CREATE TABLE")]
    for table, key in SHARDING_KEYS.items():
        local = next(s for s in creates if f"`orbit`.`{table}_local` {ON} (" in s)
        assert "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{uuid}/{shard}', '{replica}')" in local
        assert (
            f"CREATE TABLE IF NOT EXISTS `orbit`.`{table}` {ON} AS `orbit`.`{table}_local` "
            f"ENGINE = Distributed('orbit-cluster', 'orbit', '{table}_local', {key})"
        ) in creates
    for table in REPLICATED:
        create = next(s for s in creates if f"`orbit`.`{table}` {ON} (" in s)
        assert "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{uuid}/all', '{shard}-{replica}')" in create
        assert f"`{table}_local`" not in "".join(sqls)
    # Every CREATE of the steps, and nothing else of them, went out ON CLUSTER.
    assert all(ON in s for s in creates)
    # A replicated ALTER travels through Keeper: one host runs it.
    assert "ALTER TABLE `orbit`.`companies` ADD COLUMN IF NOT EXISTS employee_count UInt32 AFTER size_range" in sqls
    # Storage settings belong to the MergeTree tables, on every shard.
    assert (f"ALTER TABLE `orbit`.`run_results_local` {ON} MODIFY SETTING "
            "max_bytes_to_merge_at_max_space_in_pool = 16777216") in sqls
    # The versions are recorded, and every replica holds them before the next step.
    records = [i for i, s in enumerate(engine.sent) if s.sql.startswith("INSERT INTO schema_version")]
    assert len(records) == len(versions)
    assert all(sqls[i + 1] == f"SYSTEM SYNC REPLICA {ON} `orbit`.`schema_version` LIGHTWEIGHT" for i in records)


@pytest.mark.warehouse
def test_rendered_steps_keep_each_tables_columns_and_sort_key(engine: ParsingWarehouse) -> None:
    """The engine's formatting of a cluster table equals its single-node one but for name and engine."""
    compared = set()
    for step in schema.load_steps():
        for ddl in step.statements:
            if not ddl.lstrip().startswith("CREATE TABLE"):
                continue
            single = engine.parse(ddl)
            rendered = CLUSTER.render(ddl).statements[0]
            table = single.split()[5]  # CREATE TABLE IF NOT EXISTS <name>
            storage = table + "_local" if table in SHARDING_KEYS else table
            cluster = engine.parse(rendered).replace(f"orbit.{storage} {ON}", table)
            cluster = cluster.replace(
                "ReplicatedMergeTree('/clickhouse/tables/{uuid}/{shard}', '{replica}')", "MergeTree"
            ).replace("ReplicatedMergeTree('/clickhouse/tables/{uuid}/all', '{shard}-{replica}')", "MergeTree")
            assert cluster == single
            compared.add(table)
    assert compared == (set(SHARDING_KEYS) | REPLICATED) - {"schema_version"}


# --- loads: stage → swap ----------------------------------------------------------------------

@pytest.mark.warehouse
def test_a_signal_day_swaps_local_partitions(engine: ParsingWarehouse, cw: ClusterWarehouse) -> None:
    loads.swap_signals_day(cw, DAY)
    loads.drop_signals_day(cw, DAY)
    assert engine.sqls == [
        f"ALTER TABLE `orbit`.`signals_local` {ON} REPLACE PARTITION {{day:Date}} FROM `orbit`.`signals_stage_local`",
        "ALTER TABLE `orbit`.`topic_daily_stats` REPLACE PARTITION {day:Date} FROM `orbit`.`topic_daily_stats_stage`",
        f"ALTER TABLE `orbit`.`signals_local` {ON} DROP PARTITION {{day:Date}}",
        "ALTER TABLE `orbit`.`topic_daily_stats` DROP PARTITION {day:Date}",
    ]
    assert all(s.params == {"day": DAY} for s in engine.sent)


@pytest.mark.warehouse
def test_stage_tables_come_in_pairs_on_shards(engine: ParsingWarehouse) -> None:
    rendered = [CLUSTER.render(f"CREATE TABLE `{t}_stage` AS `{t}`").statements for t in ("persons", "companies")]
    assert rendered == [
        (
            f"CREATE TABLE `orbit`.`persons_stage_local` {ON} AS `orbit`.`persons_local`",
            f"CREATE TABLE `orbit`.`persons_stage` {ON} AS `orbit`.`persons_stage_local` "
            "ENGINE = Distributed('orbit-cluster', 'orbit', 'persons_stage_local', cityHash64(person_id))",
        ),
        (f"CREATE TABLE `orbit`.`companies_stage` {ON} AS `orbit`.`companies`",),
    ]
    for statements in rendered:
        for sql in statements:
            engine.parse(sql)
    swap = CLUSTER.render("EXCHANGE TABLES `persons` AND `persons_stage`").statements
    assert swap == (f"EXCHANGE TABLES `orbit`.`persons_local` AND `orbit`.`persons_stage_local` {ON}",)
    engine.parse(swap[0])


@pytest.mark.warehouse
def test_leftover_stages_are_dropped_with_their_local_tables(warehouse_root: Path) -> None:
    # Found by their logical names in system.tables, so this needs a real database named `orbit`.
    real = ChdbWarehouse(warehouse_root, database="orbit", timeouts=dict.fromkeys(Profile, 60.0))
    try:
        schema.migrate(real)
        real.command(Statement("CREATE TABLE persons_stage AS persons"))
        engine = ParsingWarehouse(real)
        assert loads.drop_stage_tables(ClusterWarehouse(engine, CLUSTER)) == ["persons_stage"]
        assert engine.sqls == [
            f"DROP TABLE IF EXISTS `orbit`.`persons_stage` {ON} SYNC",
            f"DROP TABLE IF EXISTS `orbit`.`persons_stage_local` {ON} SYNC",
        ]
    finally:
        real.command(Statement("DROP DATABASE IF EXISTS orbit"))
        real.close()


@pytest.mark.warehouse
def test_a_staged_file_is_on_every_replica_before_its_checks(engine: ParsingWarehouse, cw: ClusterWarehouse) -> None:
    cw.load_parquet("signals_stage", loads.SIGNAL_COLUMNS, Path("day.parquet"))
    assert engine.loaded == ["signals_stage"]
    assert engine.sqls == [f"SYSTEM SYNC REPLICA {ON} `orbit`.`signals_stage_local` LIGHTWEIGHT"]


@pytest.mark.warehouse
def test_the_filter_catalogue_swaps_on_every_host(engine: ParsingWarehouse, cw: ClusterWarehouse) -> None:
    catalog.rebuild(cw)
    sqls = engine.sqls
    assert sqls[:2] == [
        f"DROP TABLE IF EXISTS `orbit`.`filter_catalog_stage` {ON} SYNC",
        f"CREATE TABLE `orbit`.`filter_catalog_stage` {ON} AS `orbit`.`filter_catalog`",
    ]
    assert sqls[2] == catalog.BUILD_CATALOG  # reads the Distributed tables unchanged
    assert sqls[3:] == [
        f"SYSTEM SYNC REPLICA {ON} `orbit`.`filter_catalog_stage` LIGHTWEIGHT",
        f"EXCHANGE TABLES `orbit`.`filter_catalog` AND `orbit`.`filter_catalog_stage` {ON}",
        f"DROP TABLE IF EXISTS `orbit`.`filter_catalog_stage` {ON} SYNC",
    ]
    assert engine.sent[2].params.keys() == {"build_id"} and engine.sent[3].params == {}


# --- runs: mutations and the snapshot INSERT ----------------------------------------------------

@pytest.mark.warehouse
def test_run_deletes_target_local_tables_on_every_shard(engine: ParsingWarehouse, cw: ClusterWarehouse) -> None:
    runs_sql.drop_attempt(cw, run_id="run_1", attempt=2)
    runs_sql.delete_runs(cw, ["run_1", "run_2"])
    runs_sql.keep_only_attempt(cw, run_id="run_1", attempt=3)
    runs_sql.reclaim(cw)
    local = f"DELETE FROM `orbit`.`run_results_local` {ON}"
    assert engine.sqls == [
        f"{local} WHERE run_id = {{run_id:String}} AND attempt = {{attempt:UInt16}}",
        f"{local} WHERE run_id IN {{run_ids:Array(String)}}",
        f"{local} WHERE run_id = {{run_id:String}} AND attempt != {{attempt:UInt16}}",
        f"ALTER TABLE `orbit`.`run_results_local` {ON} APPLY DELETED MASK",
    ]
    assert [s.params for s in engine.sent] == [
        {"run_id": "run_1", "attempt": 2}, {"run_ids": ["run_1", "run_2"]}, {"run_id": "run_1", "attempt": 3}, {},
    ]


@pytest.mark.warehouse
def test_a_run_snapshot_is_inserted_then_synced(engine: ParsingWarehouse, cw: ClusterWarehouse) -> None:
    spec = AudienceSpec(data_date=DAY, topic_ids=(1, 2), min_score=0, max_score=99, min_overlap=1)
    counts = runs_sql.materialize(cw, spec, run_id="run_1", attempt=1, cap=300_000, query_id="q-1")
    assert counts.kept_rows == 0  # parsed, not run
    insert, sync = engine.sent
    assert insert.sql == runs_sql.materialize_statement(spec, run_id="run_1", attempt=1, cap=300_000).sql
    assert insert.query_id == "q-1"  # X-ClickHouse-Query-Id names the INSERT itself
    assert sync == Sent(f"SYSTEM SYNC REPLICA {ON} `orbit`.`run_results_local` LIGHTWEIGHT", {}, None)


# --- what has no rule is refused ----------------------------------------------------------------

@pytest.mark.parametrize("sql", [
    "TRUNCATE TABLE signals",
    "OPTIMIZE TABLE run_results FINAL",
    "RENAME TABLE persons TO people",
    "ALTER TABLE signals UPDATE score = 0 WHERE 1",
    "CREATE TABLE IF NOT EXISTS audiences (id UInt32) ENGINE = MergeTree ORDER BY id",  # no placement
    "DELETE FROM audiences WHERE id = 1",
    "CREATE TABLE persons_stage AS companies",  # a stage placed unlike its source
])
def test_statements_without_a_rule_are_refused(sql: str) -> None:
    with pytest.raises(ClusterRenderingError):
        CLUSTER.render(sql)


def test_reads_and_settings_pass_through() -> None:
    assert CLUSTER.render("SELECT count() FROM signals").statements == ("SELECT count() FROM signals",)
    # The settings that make distributed answers equal a single node's (docs/scale-out.md).
    assert CLUSTER_SETTINGS["distributed_product_mode"] == "global"
    assert CLUSTER_SETTINGS["parallel_distributed_insert_select"] == 0
    assert CLUSTER_SETTINGS["distributed_foreground_insert"] == 1


@pytest.mark.warehouse
def test_cluster_settings_exist_in_the_engine(fresh_wh: Warehouse) -> None:
    names = list(CLUSTER_SETTINGS)
    rows = fresh_wh.query(Statement("SELECT name FROM system.settings WHERE name IN {n:Array(String)}", {"n": names}))
    assert sorted(r["name"] for r in rows.to_pylist()) == sorted(names)


def test_names_are_refused_before_they_reach_sql() -> None:
    with pytest.raises(ValueError):
        Cluster("c`; DROP DATABASE orbit; --", "orbit")
    with pytest.raises(ValueError):
        Cluster("c", "orbit'")
