"""The SDK cannot drift from the service: its models are what scripts/gen_client_models.py makes of
the OpenAPI document the app serves today, every operation has an SDK method, and each method sends
only parameters its operation declares."""

from __future__ import annotations

import importlib.util
import inspect
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from orbit.app import create_app
from orbit.settings import Settings
from orbit_client import OPERATIONS, AsyncClient, Client
from orbit_client._api import Api
from orbit_client._core import Endpoint

ROOT = Path(__file__).resolve().parents[2]
G2_LEGACY = {  # served for the published TypeScript SDK; this SDK speaks G3 (docs/sdk.md)
    ("POST", "/v1/intent/audiences/query"),
    ("GET", "/v1/intent/audiences/{audience_id}/status"),
    ("GET", "/v1/intent/audiences/{audience_id}/results"),
    ("GET", "/v1/intent/audiences/{audience_id}/stats"),
    ("POST", "/v1/intent/audiences/{audience_id}/export"),
}
NOT_FOR_CLIENTS = {("GET", "/metrics")}  # Prometheus scrapes it


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        return create_app(Settings(data_dir=Path(tmp))).openapi()


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("gen_client_models", ROOT / "scripts/gen_client_models.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_models_are_generated_from_todays_document(doc: dict[str, Any]) -> None:
    committed = (ROOT / "clients/python/src/orbit_client/models.py").read_text()
    assert _generator().generate(doc) == committed, "run .venv/bin/python scripts/gen_client_models.py"


def test_generator_check_mode_runs() -> None:
    done = subprocess.run([sys.executable, "scripts/gen_client_models.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_every_operation_has_an_sdk_method(doc: dict[str, Any]) -> None:
    ops = {(m.upper(), p) for p, item in doc["paths"].items() for m in item}
    assert ops - G2_LEGACY - NOT_FOR_CLIENTS == set(OPERATIONS)
    sync, asyn = Client("http://127.0.0.1:9"), AsyncClient("http://127.0.0.1:9")
    for name in OPERATIONS.values():
        assert callable(getattr(sync, name)) and callable(getattr(asyn, name)), name
        assert inspect.iscoroutinefunction(getattr(AsyncClient, name, None)) or name in vars(Api), name
    sync.close()


def _sample(param: inspect.Parameter) -> Any:
    text = str(param.annotation)
    if "list[str]" in text:
        return ["run.completed"]
    if "list" in text:
        return [1]
    if "int" in text and "str" not in text:
        return 1
    if "Literal" in text:
        return text.split("'")[1]
    if "bool" in text:
        return True
    if "Config" in text:
        return {"topicIds": [1]}
    return "x"


def test_each_method_sends_only_declared_parameters(doc: dict[str, Any]) -> None:
    """Call each method's request builder with every argument set; what it would send must be the
    operation's own path and query parameters, and a body only where the operation takes one."""
    for name, member in vars(Api).items():
        if not isinstance(member, Endpoint):
            continue
        op = doc["paths"][member.template][member.method.lower()]
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
        params = list(inspect.signature(member.build).parameters.values())[1:]
        call = member.call(object(), *[_sample(p) for p in params if p.kind is p.POSITIONAL_OR_KEYWORD],
                           **{p.name: _sample(p) for p in params if p.kind is p.KEYWORD_ONLY})
        sent = {k for k, _ in call.params}
        assert sent <= declared, (name, sent - declared)
        assert (call.json is not None or call.content is not None) == ("requestBody" in op), name
        assert "{" not in call.url, name


def test_the_package_stands_alone_with_only_httpx_and_pydantic() -> None:
    """`pip install ./clients/python` needs nothing of the service: it requires httpx and pydantic
    only (pyarrow, pandas as extras), ships py.typed, and imports nothing from `orbit`."""
    import tomllib

    project = tomllib.loads((ROOT / "clients/python/pyproject.toml").read_text())
    assert project["project"]["name"] == "orbit-client"
    assert project["project"]["dependencies"] == ["httpx>=0.27", "pydantic>=2.7"]
    assert set(project["project"]["optional-dependencies"]) == {"arrow", "pandas"}
    assert project["tool"]["setuptools"]["package-data"]["orbit_client"] == ["py.typed"]
    package = ROOT / "clients/python/src/orbit_client"
    assert (package / "py.typed").exists()
    for source in package.glob("*.py"):
        text = source.read_text()
        assert "from orbit." not in text and "import orbit\n" not in text, source.name
