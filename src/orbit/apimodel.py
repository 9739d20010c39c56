"""The base of every HTTP schema: camelCase on the wire, snake_case in Python; and the types and
patterns that several schemas share."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt
from pydantic.alias_generators import to_camel


class ApiModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


@cache
def _wire_plan(cls: type[BaseModel]) -> tuple[dict[str, Any], dict[str, str], frozenset[str]]:
    """The answer's skeleton (wire keys in field order, defaults filled), each field's wire key,
    and the required fields."""
    template: dict[str, Any] = {}
    keys: dict[str, str] = {}
    required = set()
    for name, f in cls.model_fields.items():
        keys[name] = key = f.serialization_alias or f.alias or name
        if f.is_required():
            required.add(name)
            template[key] = None
        else:
            template[key] = f.get_default(call_default_factory=True)
    return template, keys, frozenset(required)


def wire(cls: type[BaseModel], values: dict[str, Any]) -> dict[str, Any]:
    """What `cls(**values).model_dump(mode="json", by_alias=True)` gives, without validating:
    for hot answers whose values this process made itself, already of the fields' JSON types
    (nested models as `wire` dicts). A preview's 50 sample rows cost 0.7 ms to validate, all of
    it holding the GIL; tests validate these dicts against the models instead."""
    template, keys, required = _wire_plan(cls)
    if not required <= values.keys():
        raise TypeError(f"{cls.__name__}: {sorted(required - values.keys())} required")
    out = dict(template)  # field order; defaults are immutable (None, bools, strings)
    try:
        for name, value in values.items():
            out[keys[name]] = value
    except KeyError as exc:
        raise TypeError(f"{cls.__name__} has no field {exc.args[0]!r}") from None
    return out


def _integral(value: object) -> object:
    # JSON Schema's `integer` admits 93.0 (a number whose fraction is zero), so the server takes
    # it as 93 too; 93.5, "93" and true stay refused.
    return int(value) if isinstance(value, float) and value.is_integer() else value


# Put after a field's `Field(ge=..., le=...)` inside `Annotated`: placed before them, pydantic
# would write the limits into the JSON Schema as `ge`/`le` instead of `minimum`/`maximum`.
Integral = BeforeValidator(_integral)
WholeNumber = Annotated[StrictInt, Integral]
UINT32_MAX = 4_294_967_295
# Unknown ids are refused by the services (naming each one); the schema states the id range.
TopicId = Annotated[StrictInt, Field(json_schema_extra={"minimum": 1, "maximum": UINT32_MAX}), Integral]

# What `str.strip()` removes, as a regex class that Python and ECMA-262 (JSON Schema) read alike:
# `\s` differs between them (\x1c-\x1f, \x85, \ufeff).
SPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
CONTROL = r"\x00-\x1f\x7f-\x9f"  # Unicode category Cc
NOT_BLANK = f"[^{SPACE}]"  # unanchored, as JSON Schema patterns are: some character is not a space


def trimmed_line(max_chars: int) -> str:
    """A pattern for 1..`max_chars` characters once surrounding whitespace is trimmed, with no
    control character left inside (`str.strip()`, then the length and category checks)."""
    edge = f"[^{SPACE}{CONTROL}]"
    return f"^[{SPACE}]*{edge}(?:[^{CONTROL}]{{0,{max_chars - 2}}}{edge})?[{SPACE}]*$"
