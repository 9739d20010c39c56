"""A ClickHouse cluster: Orbit's single-node DDL and mutations rendered ON CLUSTER. No I/O here
but `ClusterWarehouse`, which applies the rendering where statements without rows run.

Layout (docs/scale-out.md). Sharded tables keep their rows in a `ReplicatedMergeTree` table
`<name>_local` on every host, and a `Distributed` table under the logical name reads all shards,
so query code names `persons`, `signals` and `run_results` as on one node. Tables replicated to
every host are one `ReplicatedMergeTree` table under the logical name: each shard joins them
locally, without a second distributed read. Which table goes where is decided below, once;
a statement on a table without a decision is refused rather than run as on one node.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from orbit.warehouse.backend import Warehouse
from orbit.warehouse.statement import Profile, Statement

# Sharded tables and their sharding keys. `signals` and `persons` share one key, so a person's
# signals and profile live on the same shard: GROUP BY person_id is finished on each shard
# (optimize_distributed_group_by_sharding_key), and a loaded day never splits a person.
# `run_results` goes by run: one run's snapshot is on one shard, in one part in rank order,
# so a results page or a CSV segment (`run_id = … ORDER BY rank`) reads one shard only
# (optimize_skip_unused_shards) and never merges ranks from several.
SHARDING_KEYS: dict[str, str] = {
    "persons": "cityHash64(person_id)",
    "signals": "cityHash64(person_id)",
    "run_results": "cityHash64(run_id)",
}
# Replicated to every host: small (topics 20k rows; companies 300k at scale 1, 16 MB on disk;
# daily stats ~topics × days; the catalogue a few thousand rows; schema_version) and joined or
# read from every shard. Sharding companies would make each person's company lookup a second
# distributed read. Suppression items (at most 1M per list) are read by every shard's
# `person_id NOT IN (…)`, so each shard reads them locally too; their staging rows go along.
REPLICATED: frozenset[str] = frozenset({"topics", "companies", "topic_daily_stats", "filter_catalog", "schema_version",
                                        "suppression_items", "suppression_staging"})

LOCAL_SUFFIX = "_local"
STAGE_SUFFIX = "_stage"
# Keeper paths by the table's UUID (Atomic databases): EXCHANGE TABLES and the stage → swap loads
# move a table's data under another name, and a path named after the table would then collide
# with the next stage of that name. ON CLUSTER gives every host the same UUID.
SHARDED_ENGINE = "ReplicatedMergeTree('/clickhouse/tables/{uuid}/{shard}', '{replica}')"
# Every host is a replica of one path, so the replica name must be unique across the cluster.
REPLICATED_ENGINE = "ReplicatedMergeTree('/clickhouse/tables/{uuid}/all', '{shard}-{replica}')"

# Settings of every statement on a cluster (ClickHouseServerWarehouse's session settings).
CLUSTER_SETTINGS: dict[str, object] = {
    # A JOIN or IN whose right side reads another Distributed table (a run's ranked people joined
    # to persons, the preview's breakdowns) is computed once on the initiator and sent to the
    # shards (GLOBAL), so answers equal a single node's. The default, 'deny', refuses them.
    "distributed_product_mode": "global",
    # An INSERT into a Distributed table returns when its rows are on their shards, not queued:
    # a run's rows are counted right after its INSERT, a load's checks read what it staged.
    "distributed_foreground_insert": 1,
    # ClickHouse 26 defaults to 2: INSERT INTO dist SELECT FROM dist runs on each shard into its
    # own local table, which would leave a run's rows on the people's shards, not the run's one.
    "parallel_distributed_insert_select": 0,
    # `run_id = …` reads go to the run's shard only; GROUP BY person_id ends on each shard.
    "optimize_skip_unused_shards": 1,
    # ALTERs of tables replicated everywhere run on one host: wait for every replica.
    "alter_sync": 2,
}

_NAME = r"`?(?P<{}>[A-Za-z_][A-Za-z0-9_]*)`?"


def _shape(pattern: str) -> re.Pattern[str]:
    """A statement shape; `{t}`, `{s}` stand for table names (plain or backticked)."""
    return re.compile(pattern.replace("{t}", _NAME.format("t")).replace("{s}", _NAME.format("s")), re.DOTALL)


_CREATE = _shape(r"CREATE TABLE IF NOT EXISTS {t} \((?P<body>.*)\)\s*ENGINE = MergeTree\b(?P<rest>.*)")
_CREATE_AS = _shape(r"CREATE TABLE {t} AS {s}")
_DROP = _shape(r"DROP TABLE IF EXISTS {t} SYNC")
_EXCHANGE = _shape(r"EXCHANGE TABLES {t} AND {s}")
_REPLACE_PARTITION = _shape(r"ALTER TABLE {t} REPLACE PARTITION (?P<partition>.+?) FROM {s}")
_DROP_PARTITION = _shape(r"ALTER TABLE {t} (?P<op>DROP PARTITION .+)")
_ALTER_COLUMN = _shape(r"ALTER TABLE {t} (?P<op>(?:ADD|DROP|MODIFY|RENAME|COMMENT) COLUMN .+)")
_ALTER_LOCAL = _shape(r"ALTER TABLE {t} (?P<op>MODIFY SETTING .+|APPLY DELETED MASK)")
_DELETE = _shape(r"DELETE FROM {t} (?P<op>WHERE .+)")
_INSERT = _shape(r"INSERT INTO {t}[\s(].*")
_CHANGES = re.compile(
    r"(CREATE|ALTER|DROP|RENAME|EXCHANGE|DELETE|UPDATE|TRUNCATE|OPTIMIZE|ATTACH|DETACH|SYSTEM|INSERT)\b", re.I
)


class ClusterRenderingError(ValueError):
    """A statement (or a table) the cluster rendering has no rule for: decide one here."""


@dataclass(frozen=True, slots=True)
class Rendering:
    statements: tuple[str, ...]
    main: int  # the statement that does what the single-node one did (it gets the query id)


@dataclass(frozen=True, slots=True)
class Cluster:
    """The cluster's name (from the servers' `remote_servers`) and Orbit's database on it."""

    name: str
    database: str

    def __post_init__(self) -> None:
        # Both are spliced into SQL (identifiers and Distributed's string arguments).
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]{0,62}", self.name):
            raise ValueError(f"not a cluster name: {self.name!r}")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", self.database):
            raise ValueError(f"not a database name: {self.database!r}")

    @property
    def on(self) -> str:
        return f"ON CLUSTER `{self.name}`"

    def qualified(self, table: str) -> str:
        # Hosts run ON CLUSTER statements in their own default database: name ours everywhere.
        return f"`{self.database}`.`{table}`"

    def render(self, sql: str) -> Rendering:
        """The cluster statements that do what the single-node `sql` does; raises
        ClusterRenderingError for a schema change or mutation without a rule."""
        text = sql.strip()
        if m := _CREATE.fullmatch(text):
            return self._create(m["t"], m["body"], m["rest"].rstrip())
        if m := _CREATE_AS.fullmatch(text):
            return self._create_stage(m["t"], m["s"])
        if m := _DROP.fullmatch(text):
            tables = (m["t"],) if _sharding_key(m["t"]) is None else (m["t"], m["t"] + LOCAL_SUFFIX)
            # The Distributed table first: it must never outlive the table it reads.
            return Rendering(tuple(f"DROP TABLE IF EXISTS {self.qualified(t)} {self.on} SYNC" for t in tables), 0)
        if m := _EXCHANGE.fullmatch(text):
            # Distributed tables read their local tables by name: swapping those swaps the data.
            a, b = _storage(m["t"]), _storage(m["s"])
            return Rendering((f"EXCHANGE TABLES {self.qualified(a)} AND {self.qualified(b)} {self.on}",), 0)
        if m := _REPLACE_PARTITION.fullmatch(text):
            op = f"REPLACE PARTITION {m['partition']} FROM {self.qualified(_storage(m['s']))}"
            return self._alter(m["t"], op, distributed_too=False)
        if m := _DROP_PARTITION.fullmatch(text):
            return self._alter(m["t"], m["op"], distributed_too=False)
        if m := _ALTER_LOCAL.fullmatch(text):  # storage settings and masks belong to the MergeTree tables
            return self._alter(m["t"], m["op"], distributed_too=False)
        if m := _ALTER_COLUMN.fullmatch(text):
            return self._alter(m["t"], m["op"], distributed_too=True)
        if m := _DELETE.fullmatch(text):
            # Lightweight DELETE works on MergeTree tables, not on Distributed ones.
            if _sharding_key(m["t"]) is None:
                return Rendering((f"DELETE FROM {self.qualified(m['t'])} {m['op']}",), 0)
            return Rendering((f"DELETE FROM {self.qualified(m['t'] + LOCAL_SUFFIX)} {self.on} {m['op']}",), 0)
        if m := _INSERT.fullmatch(text):
            return Rendering((sql, self.sync_replicas(m["t"])), 0)
        if _CHANGES.match(text):
            raise ClusterRenderingError(f"no cluster rendering for: {text.splitlines()[0][:120]}")
        return Rendering((sql,), 0)

    def sync_replicas(self, table: str) -> str:
        """Wait until every replica holds what was inserted into `table`. Inserts land on one
        replica per shard; without this, a check, a swap or a results page served by another
        replica could see part of them."""
        return f"SYSTEM SYNC REPLICA {self.on} {self.qualified(_storage(table))} LIGHTWEIGHT"

    def _create(self, table: str, body: str, rest: str) -> Rendering:
        key = _sharding_key(table)
        if key is None:
            create = f"CREATE TABLE IF NOT EXISTS {self.qualified(table)} {self.on} ({body}) ENGINE = {REPLICATED_ENGINE}{rest}"
            if table == "schema_version":  # the first DDL of a migration: the database comes first
                database = f"CREATE DATABASE IF NOT EXISTS `{self.database}` {self.on} ENGINE = Atomic"
                return Rendering((database, create), 1)
            return Rendering((create,), 0)
        local = table + LOCAL_SUFFIX
        return Rendering((
            f"CREATE TABLE IF NOT EXISTS {self.qualified(local)} {self.on} ({body}) ENGINE = {SHARDED_ENGINE}{rest}",
            f"CREATE TABLE IF NOT EXISTS {self.qualified(table)} {self.on} AS {self.qualified(local)} "
            f"{self._distributed(local, key)}",
        ), 1)

    def _create_stage(self, stage: str, live: str) -> Rendering:
        key = _sharding_key(live)
        if _sharding_key(stage) != key:
            raise ClusterRenderingError(f"{stage} would not be placed like {live}")
        if key is None:  # a new UUID, so a new Keeper path: the engine is copied from `live`
            return Rendering((f"CREATE TABLE {self.qualified(stage)} {self.on} AS {self.qualified(live)}",), 0)
        local = stage + LOCAL_SUFFIX
        return Rendering((
            f"CREATE TABLE {self.qualified(local)} {self.on} AS {self.qualified(live + LOCAL_SUFFIX)}",
            f"CREATE TABLE {self.qualified(stage)} {self.on} AS {self.qualified(local)} {self._distributed(local, key)}",
        ), 1)

    def _alter(self, table: str, op: str, *, distributed_too: bool) -> Rendering:
        if _sharding_key(table) is None:
            # Replicated ALTERs travel through Keeper to every replica; ON CLUSTER would run them
            # once per shard on the same table.
            return Rendering((f"ALTER TABLE {self.qualified(table)} {op}",), 0)
        local = f"ALTER TABLE {self.qualified(table + LOCAL_SUFFIX)} {self.on} {op}"
        if not distributed_too:  # partitions live in the local tables only
            return Rendering((local,), 0)
        # A Distributed table keeps its own copy of the columns.
        return Rendering((local, f"ALTER TABLE {self.qualified(table)} {self.on} {op}"), 0)

    def _distributed(self, local: str, key: str) -> str:
        return f"ENGINE = Distributed('{self.name}', '{self.database}', '{local}', {key})"


def _sharding_key(table: str) -> str | None:
    """The table's sharding key, or None when it is replicated to every host; a stage is placed
    like its live table. Raises ClusterRenderingError for a table without a decision."""
    base = table.removesuffix(STAGE_SUFFIX)
    if base in SHARDING_KEYS:
        return SHARDING_KEYS[base]
    if base in REPLICATED:
        return None
    raise ClusterRenderingError(
        f"table {table!r} has no place on a cluster: add it to SHARDING_KEYS or REPLICATED in orbit.warehouse.cluster"
    )


def _storage(table: str) -> str:
    """The table that holds the rows: `<table>_local` when sharded, else the table itself."""
    return table if _sharding_key(table) is None else table + LOCAL_SUFFIX


def _bound(sql: str, params: dict[str, object]) -> Statement:
    """`sql` with those of `params` whose slots it holds (a rendering may drop some)."""
    return Statement(sql, {k: v for k, v in params.items() if "{" + k + ":" in sql})


class ClusterWarehouse:
    """The warehouse on a cluster: statements without rows are rendered for it (`Cluster.render`);
    reads pass through unchanged, since the logical names are the Distributed tables."""

    def __init__(self, inner: Warehouse, cluster: Cluster) -> None:
        if inner.database != cluster.database:
            raise ValueError("the cluster rendering must name the warehouse's own database")
        self.database = inner.database
        self.cluster = cluster
        self._inner = inner

    def query(self, stmt: Statement, *, profile: Profile = Profile.QUERY) -> pa.Table:
        return self._inner.query(stmt, profile=profile)

    def command(self, stmt: Statement, *, profile: Profile = Profile.DDL, query_id: str | None = None) -> None:
        rendering = self.cluster.render(stmt.sql)
        params = dict(stmt.params)
        for i, sql in enumerate(rendering.statements):
            self._inner.command(_bound(sql, params), profile=profile, query_id=query_id if i == rendering.main else None)

    def query_bytes(self, stmt: Statement, *, fmt: str, profile: Profile = Profile.QUERY) -> bytes:
        return self._inner.query_bytes(stmt, fmt=fmt, profile=profile)

    def stream_bytes(self, stmt: Statement, *, fmt: str, profile: Profile = Profile.QUERY) -> Iterator[bytes]:
        return self._inner.stream_bytes(stmt, fmt=fmt, profile=profile)

    def load_parquet(self, table_name: str, columns: Sequence[str], path: Path) -> None:
        self._inner.load_parquet(table_name, columns, path)
        self._inner.command(Statement(self.cluster.sync_replicas(table_name)), profile=Profile.INGEST)

    def close(self) -> None:
        self._inner.close()
