"""Imports follow the layer rules of STYLE.md R1 (checked with `ast`, no import side effects)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "orbit"
# webhooks sits before runs and exports: they write its events (outbox) in their own transactions.
# suppression sits before audiences and runs: their configs name lists, and runs apply them.
DOMAINS = ["accounts", "topics", "topic_lists", "site_analysis", "webhooks", "suppression", "audiences", "runs",
           "exports"]
STORES = {"metadata", "warehouse", "datagen"}
LEAVES = {"settings", "errors", "apimodel", "keyfiles"}
HTTP_FREE = ("fastapi", "starlette", "orbit.http")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            # `from orbit.accounts import service` names the module orbit.accounts.service.
            subs = [a.name for a in node.names if (SRC.parent / node.module.replace(".", "/") / f"{a.name}.py").exists()]
            found.update(f"{node.module}.{n}" for n in subs)
            if len(subs) < len(node.names):
                found.add(node.module)
    return found


def _modules() -> list[tuple[str, Path]]:
    return [(str(p.relative_to(SRC).with_suffix("")).replace("/", "."), p) for p in SRC.rglob("*.py")]


def test_services_and_stores_do_not_import_http() -> None:
    for name, path in _modules():
        parts = name.split(".")
        if parts[0] in STORES or parts[0] in LEAVES or parts[-1] in ("service", "schemas", "flows", "inventory"):
            bad = [m for m in _imports(path) if m.startswith(HTTP_FREE)]
            assert not bad, f"{name} imports {bad}"


def test_stores_do_not_import_domains_or_each_other() -> None:
    for name, path in _modules():
        top = name.split(".")[0]
        if top not in STORES:
            continue
        for m in _imports(path):
            if m.startswith("orbit."):
                target = m.split(".")[1]
                assert target == top or target in LEAVES, f"{name} imports {m}"


def test_leaves_import_nothing_from_orbit() -> None:
    for leaf in LEAVES:
        assert not [m for m in _imports(SRC / f"{leaf}.py") if m.startswith("orbit")], leaf


def test_domains_only_import_earlier_domains() -> None:
    for name, path in _modules():
        top = name.split(".")[0]
        if top not in DOMAINS or name.endswith(".flows"):
            continue  # flows.py is where an earlier domain may act on later ones (STYLE R1)
        for m in _imports(path):
            if m.startswith("orbit.") and m.split(".")[1] in DOMAINS:
                assert DOMAINS.index(m.split(".")[1]) <= DOMAINS.index(top), f"{name} imports {m}"


def test_only_settings_reads_the_environment() -> None:
    for name, path in _modules():
        if name == "settings":
            continue
        text = path.read_text()
        assert "os.environ" not in text and "os.getenv" not in text, name


def test_http_only_imports_the_accounts_service_of_the_domains() -> None:
    for name, path in _modules():
        if not name.startswith("http."):
            continue
        for m in _imports(path):
            if m.startswith("orbit.") and m.split(".")[1] in DOMAINS:
                assert m == "orbit.accounts.service", f"{name} imports {m}"


def test_routers_hold_no_sql() -> None:
    for name, path in _modules():
        if name.endswith(".router"):
            bad = [m for m in _imports(path) if m.startswith(("sqlalchemy", "orbit.warehouse", "orbit.metadata"))]
            assert not bad, f"{name} imports {bad}"
