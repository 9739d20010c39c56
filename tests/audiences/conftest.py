"""Fixtures of the audience tests: two organizations with keys, popular topics, the reference world."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest

from orbit.accounts import service as accounts
from tests.audiences.reference import World, load_world
from tests.conftest import SMALL_END, Loaded


class OrgKey:
    def __init__(self, org_id: str, key: str) -> None:
        self.id, self.key = org_id, key

    @property
    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self.key}


def make_org(loaded: Loaded, *, slots: int = 10) -> OrgKey:
    with loaded.sessions.begin() as s:
        org = accounts.create_organization(s, name=f"Org {uuid.uuid4().hex[:8]}", audience_slots=slots)
        return OrgKey(org.id, accounts.create_api_key(s, org_ref=org.id).secret)


@pytest.fixture(scope="session")
def org_a(loaded: Loaded) -> OrgKey:
    return make_org(loaded)


@pytest.fixture(scope="session")
def org_b(loaded: Loaded) -> OrgKey:
    return make_org(loaded)


@pytest.fixture(scope="session")
def world(loaded: Loaded) -> World:
    return load_world(loaded.root)


@pytest.fixture(scope="session")
def popular(world: World) -> list[int]:
    """Topic ids by audience on the newest day, most popular first."""
    counts = Counter(topic for _, topic, _ in world.signals[SMALL_END])
    return [t for t, _ in counts.most_common()]
