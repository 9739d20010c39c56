"""The examples of README.md ("Python SDK") and docs/mcp.md run as written, against the real
server of tests/clients/conftest.py (only the key and the address are filled in)."""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import anyio
import pytest

from tests.clients.conftest import Live

pytestmark = [pytest.mark.e2e, pytest.mark.warehouse]
ROOT = Path(__file__).resolve().parents[2]


def _block(doc: Path, after: str) -> str:
    """The first ```python block after the heading `after`."""
    text = doc.read_text()
    found = re.search(re.escape(after) + r".*?```python\n(.*?)```", text, re.S)
    assert found, f"no python block after {after!r} in {doc.name}"
    return found.group(1)


def test_readme_sdk_example_runs(live: Live, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    code = _block(ROOT / "README.md", "## Python SDK")
    assert len(code.strip().splitlines()) <= 10
    monkeypatch.chdir(tmp_path)
    exec(compile(code.replace("http://127.0.0.1:8000", live.base), "README.md", "exec"), {"KEY": live.key})
    out = capsys.readouterr().out
    assert "people match now" in out
    assert (tmp_path / "payroll.csv").stat().st_size > 0


def test_mcp_doc_example_runs(live: Live) -> None:
    code = _block(ROOT / "docs/mcp.md", "From Python, with the `mcp` SDK")
    code = code.replace('".venv/bin/orbit", args=["mcp"]', 'sys.executable, args=["-m", "orbit", "mcp"]')
    code = code.replace("http://127.0.0.1:8000", live.base)
    imports, body = code.split("\n\n", 1)
    program = imports + "\n\nasync def main():\n" + textwrap.indent(body, "    ")
    printed: list[tuple[object, ...]] = []
    scope: dict[str, object] = {"KEY": live.key, "sys": sys, "print": lambda *args: printed.append(args)}
    exec(compile(program, "docs/mcp.md", "exec"), scope)
    anyio.run(scope["main"])  # type: ignore[arg-type]
    assert printed and printed[0][1] == "people match now" and int(printed[0][0]) > 0  # type: ignore[call-overload]
