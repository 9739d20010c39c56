"""Generate the SDK's pydantic models (clients/python/src/orbit_client/models.py) from the service's
OpenAPI document, so that they cannot drift from it: tests/clients/test_models.py regenerates them
and compares with the committed file.

    .venv/bin/python scripts/gen_client_models.py          # rewrite the file
    .venv/bin/python scripts/gen_client_models.py --check  # exit 1 if it is out of date

Covers the JSON Schema that FastAPI writes for our models: objects, arrays, `$ref`, `anyOf`, `enum`,
`const`, `additionalProperties`, string formats `date`/`date-time`. Constraints (lengths, ranges,
patterns) stay the server's to enforce: it answers 400 with the field named.
"""

from __future__ import annotations

import argparse
import json
import keyword
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "clients/python/src/orbit_client/models.py"
SKIP = re.compile(r"^Envelope_")  # the SDK unwraps `{data, meta}` itself (orbit_client._core)

HEADER = '''"""Request and answer models of the Orbit API, generated from its OpenAPI document
(`GET /openapi-intent.json`) by scripts/gen_client_models.py. Do not edit: regenerate.

Fields are snake_case in Python and camelCase on the wire (aliases); models accept either name.
Answer models keep fields a newer server adds (`extra="allow"`); request models refuse unknown
fields, as the server does.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class OrbitModel(BaseModel):
    """The base of every answer model."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")


class OrbitRequest(BaseModel):
    """The base of every request body model."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")
'''


def openapi_document() -> dict[str, Any]:
    """The document the app serves, built in process (no stores are opened)."""
    from orbit.app import create_app
    from orbit.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        return create_app(Settings(data_dir=Path(tmp))).openapi()


def snake(name: str) -> str:
    out = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).replace("-", "_").lower()
    return out + "_" if keyword.iskeyword(out) or out in {"model_config", "json", "copy", "schema"} else out


def _ref(schema: dict[str, Any]) -> str:
    return str(schema["$ref"]).rsplit("/", 1)[-1]


def type_of(schema: dict[str, Any]) -> str:
    """The Python annotation of a JSON Schema."""
    if "$ref" in schema:
        return _ref(schema)
    if "anyOf" in schema or "oneOf" in schema:
        parts: list[str] = []
        for sub in schema.get("anyOf") or schema["oneOf"]:
            t = type_of(sub)
            if t not in parts:
                parts.append(t)
        if "None" in parts:  # `X | None`, None last
            parts = [p for p in parts if p != "None"] + ["None"]
        return " | ".join(parts)
    if "const" in schema:
        return f"Literal[{schema['const']!r}]"
    if "enum" in schema:
        return f"Literal[{', '.join(repr(v) for v in schema['enum'])}]"
    kind = schema.get("type")
    if isinstance(kind, list):
        return " | ".join(type_of({**schema, "type": k}) for k in kind)
    if kind == "string":
        return {"date": "_dt.date", "date-time": "_dt.datetime"}.get(schema.get("format", ""), "str")
    if kind == "integer":
        return "int"
    if kind == "number":
        return "float"
    if kind == "boolean":
        return "bool"
    if kind == "null":
        return "None"
    if kind == "array":
        return f"list[{type_of(schema.get('items', {}))}]"
    if kind == "object" or "additionalProperties" in schema:
        extra = schema.get("additionalProperties", True)
        if not schema.get("properties"):
            return f"dict[str, {type_of(extra) if isinstance(extra, dict) and extra else 'Any'}]"
    return "Any"


def _refs_in(schema: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(schema, dict):
        if "$ref" in schema:
            found.add(_ref(schema))
        for value in schema.values():
            found |= _refs_in(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= _refs_in(value)
    return found


def request_schemas(doc: dict[str, Any]) -> set[str]:
    """Schemas that are request bodies, or parts of one."""
    schemas = doc["components"]["schemas"]
    todo: set[str] = set()
    for ops in doc["paths"].values():
        for op in ops.values():
            todo |= _refs_in(op.get("requestBody", {}))
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo |= _refs_in(schemas[name]) - seen
    return seen


def _doc(text: str, indent: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    body = ("\n" + indent).join(lines).replace('"""', "'''").replace("\\", "\\\\")
    return f'{indent}"""{body}"""\n'


def render_class(name: str, schema: dict[str, Any], is_request: bool) -> str:
    out = f"class {name}({'OrbitRequest' if is_request else 'OrbitModel'}):\n"
    out += _doc(schema.get("description") or schema.get("title") or name, "    ")
    required = set(schema.get("required", []))
    props: dict[str, Any] = schema.get("properties", {})
    if props:
        out += "\n"
    for wire, prop in props.items():
        field = snake(wire)
        annotation = type_of(prop)
        args: list[str] = []
        if wire not in required:
            if "default" in prop:
                args.append(f"default={prop['default']!r}")
            else:
                if "None" not in annotation.split(" | "):
                    annotation += " | None"
                args.append("default=None")
        if field != wire:
            args.append(f"alias={wire!r}")
        if prop.get("description"):
            args.append(f"description={' '.join(prop['description'].split())!r}")
        out += f"    {field}: {annotation}" + (f" = Field({', '.join(args)})" if args else "") + "\n"
    return out


def generate(doc: dict[str, Any]) -> str:
    schemas: dict[str, Any] = doc["components"]["schemas"]
    requests = request_schemas(doc)
    aliases, classes = [], []
    for name in sorted(schemas):
        if SKIP.match(name):
            continue
        schema = schemas[name]
        if schema.get("type") == "object" or "properties" in schema:
            classes.append(render_class(name, schema, name in requests))
        else:
            aliases.append(f"{name} = {type_of(schema)}\n")
    names = [n for n in sorted(schemas) if not SKIP.match(n)]
    parts = [HEADER, "\n", *aliases, "\n\n", "\n\n".join(classes), "\n\n"]
    parts.append("__all__ = [\n" + "".join(f"    {n!r},\n" for n in sorted(["OrbitModel", "OrbitRequest", *names])) + "]\n")
    parts.append("\n\nfor _model in list(globals().values()):  # resolve the forward references once, at import\n"
                 "    if isinstance(_model, type) and issubclass(_model, BaseModel) and _model.__module__ == __name__:\n"
                 "        _model.model_rebuild()\n")
    source = "".join(parts)
    return re.sub(r"\n{4,}", "\n\n\n", source)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed models are out of date")
    parser.add_argument("--openapi", type=Path, help="read the document from this file instead of the app")
    args = parser.parse_args()
    doc = json.loads(args.openapi.read_text()) if args.openapi else openapi_document()
    source = generate(doc)
    if args.check:
        if TARGET.read_text() != source:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run scripts/gen_client_models.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(source)
    print(f"wrote {TARGET.relative_to(ROOT)} ({source.count('class ')} classes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
