"""Preview against a plain-Python reference: counts, ranking and breakdowns for every filter type."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.audiences.reference import World, ranked
from tests.conftest import SMALL_END, OrgKey

pytestmark = pytest.mark.warehouse


def _check(client: TestClient, org: OrgKey, world: World, config: dict[str, Any]) -> int:
    v = client.post("/v1/intent/audiences/validate", headers=org.headers, json=config).json()["data"]
    assert v["valid"], v["problems"]
    normalized = v["normalizedConfig"]
    expected = ranked(world, normalized, SMALL_END)
    resp = client.post("/v1/intent/audiences/preview", headers=org.headers, json=config)
    assert resp.status_code == 200, resp.text
    got = resp.json()["data"]
    assert got["configHash"] == v["configHash"]
    assert got["totalCount"] == len(expected), config
    sample = got["sample"]
    assert [s["hashedEmail"] for s in sample] == [world.persons[p]["hashed_email"] for p, _, _ in expected[:50]]
    # G2-notation configs get G2 rows (flat intent fields), the others G3 rows: both carry these.
    assert [(s["intentScore"], s["topicOverlap"]) for s in sample] == [(sc, ov) for _, sc, ov in expected[:50]]
    seniorities = Counter(world.persons[p]["seniority"] for p, _, _ in expected)
    for bucket in got["breakdowns"]["seniorities"]:
        assert bucket["count"] == seniorities[bucket["value"]]
    return len(expected)


def _cases(popular: list[int]) -> list[dict[str, Any]]:
    t2, t5, t10 = popular[:2], popular[:5], [popular[i] for i in (0, 1, 3, 7, 15, 31, 63, 127, 255, 511)]
    terms = {"operator": "contains", "mode": "any"}
    return [
        {"topicIds": t2},
        {"topicIds": t5, "minScore": 0, "maxScore": 100},
        {"topicIds": t5, "minScore": 85, "maxScore": 95},
        {"topicIds": t10, "minTopicOverlap": 2, "minScore": 50},
        {"topicIds": t10, "minTopicOverlap": 3, "minScore": 50},
        {"topicIds": t5, "minScore": 50, "filters": {"role.seniority": {"values": ["director", "vp", "c_suite"]}}},
        {"topicIds": t5, "minScore": 50, "filters": {"company.industries": {"values": ["software development", "retail"]},
                                                     "company.sizes": {"values": ["1 to 10", "11 to 25", "26 to 50"]}}},
        {"topicIds": t5, "minScore": 50, "filters": {"company.revenueRanges": {"values": ["under 1 million"]},
                                                     "role.departments": {"values": ["sales", "marketing"]}}},
        {"topicIds": t5, "minScore": 50, "filters": {"geography.states": {"values": ["CA", "TX", "NY"]},
                                                     "demographics.ageRanges": {"values": ["25-34"]},
                                                     "demographics.genders": {"values": ["female"]}}},
        {"topicIds": t5, "minScore": 50, "filters": {"company.industryGroups": {"values": ["financial services"]},
                                                     "company.states": {"values": ["CA"]},
                                                     "geography.countries": {"values": ["united states"]}}},
        *[{"topicIds": t5, "minScore": 50, "filters": {flag: value}} for flag in (
            "contact.hasBusinessEmail", "contact.hasPersonalEmail", "contact.hasPhone", "contact.hasLinkedin",
            "demographics.isB2b", "demographics.isB2c", "role.isDecisionMaker", "role.isCeo", "role.isVp",
            "role.isFinance") for value in (True, False)],
        {"topicIds": t5, "minScore": 50, "filters": {"jobTitle.include": {"values": ["director", "manager"], **terms}}},
        {"topicIds": t5, "minScore": 50, "filters": {"jobTitle.include": {"values": ["senior", "analyst"], "operator": "contains", "mode": "all"}}},
        {"topicIds": t5, "minScore": 50, "filters": {"jobTitle.include": {"values": ["VP of", "director of"], "operator": "starts_with", "mode": "any"}}},
        {"topicIds": t5, "minScore": 50, "filters": {"jobTitle.exclude": {"values": ["intern", "coordinator"], **terms}}},
        {"topicIds": t5, "minScore": 50, "filters": {"jobTitle.exact": {"values": ["CFO", "marketing manager"], "operator": "equals", "mode": "any"}}},
        {"topicIds": t5, "minScore": 50, "filters": {"geography.cities": {"values": ["new york", "chicago"], "operator": "equals", "mode": "any"}}},
        {"topicIds": t5, "minScore": 50, "filters": {"geography.zipCodes": {"values": ["100", "606"], "operator": "starts_with", "mode": "any"}}},
        {"topicIds": t5, "minScore": 50, "filters": {"company.names": {"values": ["group", "labs"], **terms}}},
        {"topicIds": t5, "minScore": 50, "filters": {"company.domains": {"values": [".io"], **terms}}},
        {"topicIds": t5, "minScore": 50, "filters": {"company.employeeCount": {"min": 50, "max": 500}}},
        {"topicIds": t5, "minScore": 50, "filters": {"company.employeeCount": {"min": 1000}}},
        {"topicIds": t5, "minScore": 50, "filters": {"company.employeeCount": {"max": 10}}},
        # G2 flat keys and nested groups mean the same filters.
        {"topicIds": t5, "minScore": 50, "filters": {"seniority": ["director", "vp"], "state": "CA", "gender": "male",
                                                     "hasBusinessEmail": True, "isB2b": "y", "jobTitle": "director"}},
        {"topicIds": t5, "minScore": 50, "filters": {"companyIndustry": ["software development"], "companySize": ["51 to 100"],
                                                     "companyRevenueRange": ["1 million to 5 million"], "companyDomain": "x.com"}},
        {"topicIds": t5, "minScore": 50, "filters": {"role": {"isDecisionMaker": True, "seniority": {"values": ["vp"]}},
                                                     "jobTitle": {"include": ["vp"], "includeMode": "any"},
                                                     "contact": {"hasPhone": False}}},
    ]


def test_preview_matches_the_reference_for_every_filter(client: TestClient, org_a: OrgKey, world: World, popular: list[int]) -> None:
    sizes = [_check(client, org_a, world, case) for case in _cases(popular)]
    assert sum(1 for s in sizes if s > 0) >= len(sizes) * 0.8, sizes  # the cases are not vacuous
    assert any(s > 50 for s in sizes)  # ranking beyond the sample is exercised


def test_notations_normalize_to_one_hash(client: TestClient, org_a: OrgKey, popular: list[int]) -> None:
    t = popular[:3]
    forms = [
        {"topicIds": t, "filters": {"role.seniority": {"values": ["vp", "director"]}, "contact.hasBusinessEmail": True,
                                    "jobTitle.include": {"values": ["CFO", "chief financial officer"], "operator": "contains", "mode": "any"}}},
        {"topicIds": list(reversed(t)), "minScore": 70, "maxScore": 99, "minTopicOverlap": 1,
         "filters": {"role": {"seniority": ["Director", "VP"]}, "contact": {"hasBusinessEmail": True},
                     "jobTitle": {"include": ["chief financial officer", "cfo"], "includeMode": "any"}}},
    ]
    hashes = {client.post("/v1/intent/audiences/validate", headers=org_a.headers, json=f).json()["data"]["configHash"] for f in forms}
    assert len(hashes) == 1


def _filter_strategy(world: World) -> st.SearchStrategy[dict[str, Any]]:
    def values(col: str, company: bool = False) -> list[str]:
        rows = world.companies.values() if company else world.persons.values()
        return sorted({r[col] for r in rows if r[col]})
    pick = lambda vals: st.lists(st.sampled_from(vals), min_size=1, max_size=4, unique=True).map(lambda v: {"values": v})  # noqa: E731
    text = st.fixed_dictionaries({
        "values": st.lists(st.sampled_from(["director", "manager", "vp", "senior", "of", "sales", "chief", "x"]), min_size=1, max_size=3),
        "operator": st.sampled_from(["contains", "equals", "starts_with"]), "mode": st.sampled_from(["any", "all"])})
    options: dict[str, st.SearchStrategy[Any]] = {
        "role.seniority": pick(values("seniority")),
        "role.departments": pick(values("department")),
        "geography.states": pick(values("state")),
        "company.industries": pick(values("industry", True)),
        "company.sizes": pick(values("size_range", True)),
        "company.revenueRanges": pick(values("revenue_range", True)),
        "contact.hasBusinessEmail": st.booleans(),
        "contact.hasPhone": st.booleans(),
        "role.isDecisionMaker": st.booleans(),
        "jobTitle.include": text,
        "jobTitle.exclude": text,
        "company.employeeCount": st.tuples(st.integers(0, 2000), st.integers(0, 20000)).map(
            lambda ab: {"min": min(ab), "max": max(ab)}),
    }
    return st.dictionaries(st.sampled_from(sorted(options)), st.just(None), max_size=3).flatmap(
        lambda keys: st.fixed_dictionaries({k: options[k] for k in keys}))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_configs_match_the_reference(client: TestClient, org_a: OrgKey, world: World, popular: list[int], data: st.DataObject) -> None:
    _check(client, org_a, world, random_config(data, world, popular[:60], max_topics=6))


def random_config(data: st.DataObject, world: World, topics: list[int], *, max_topics: int) -> dict[str, Any]:
    """A config of random topics, score bounds, overlap and ICP filters (shared with tests/serving)."""
    chosen = data.draw(st.lists(st.sampled_from(topics), min_size=1, max_size=max_topics, unique=True))
    lo = data.draw(st.integers(50, 95))
    return {
        "topicIds": chosen,
        "minScore": lo,
        "maxScore": data.draw(st.integers(lo, 99)),
        "minTopicOverlap": data.draw(st.integers(1, len(chosen))),
        "filters": data.draw(_filter_strategy(world)),
    }
