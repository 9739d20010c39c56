"""Suppression lists over a serving index: one flag per person row for each list version.

A list's people are found by the warehouse (`suppression_sql.suppressed_people`, the same SQL the
fallback path applies, so both paths leave out exactly the same people) once per list version and
index, then kept with the index's other verdicts; an upload publishes a new version, so its flags
are computed afresh and the old ones are never read again.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from orbit.serving.index import ServingIndex
from orbit.warehouse import suppression_sql
from orbit.warehouse.backend import Warehouse
from orbit.warehouse.suppression_sql import ListRef


def list_mask(index: ServingIndex, wh: Warehouse, ref: ListRef) -> npt.NDArray[np.bool_]:
    """Which person rows of the index this list version leaves out (cached per index)."""
    key = ("suppression", ref)
    found = index.verdicts.get(key)
    if found is not None:
        return found
    ids = suppression_sql.suppressed_people(wh, [ref])
    people = index.people.ids
    at = np.searchsorted(people, ids)
    inside = at < len(people)
    at = at[inside]
    at = at[people[at] == ids[inside]]  # people missing from the index (not in persons then) drop out
    mask = np.zeros(len(people), np.bool_)
    mask[at] = True
    index.verdicts.put(key, mask)
    return mask


def mask(index: ServingIndex, wh: Warehouse, refs: Sequence[ListRef]) -> npt.NDArray[np.bool_] | None:
    """The person rows any of these list versions leaves out; None for no lists."""
    if not refs:
        return None
    out = list_mask(index, wh, refs[0])
    for ref in refs[1:]:
        out = out | list_mask(index, wh, ref)
    return out
