"""A masked preview sample reads only `service.SAMPLE_KEYS` of a profile: the serving index
fetches just those, so a row built from them must equal the row built from the whole profile."""

from __future__ import annotations

import pytest

from orbit.audiences import schemas, service
from orbit.serving.query import COMPANY_PROFILE, PROFILE_ORDER

# Every key a profile carries, each with a value that is shown if anything reads it.
WHOLE = {
    **{key: f"{key} value" for key in (*PROFILE_ORDER, *COMPANY_PROFILE)},
    "personal_email": "Ann.Example@Mail.test", "business_email": "ann@acme.test",
    "company_employee_count": 120, "is_b2b": 1, "is_b2c": 0, "company_id": 77, "person_id": 5,
}
TOPICS = [service.MatchedTopic(11, "CRM", "product", "software", "sales"),
          service.MatchedTopic(12, "ERP", "product", "software", "ops")]


@pytest.mark.parametrize("build", [schemas.sample_row, schemas.g2_sample_row])
@pytest.mark.parametrize("drop", [None, "company_name", "first_name", "hashed_email"])
def test_masked_rows_need_only_the_sample_keys(build: object, drop: str | None) -> None:
    whole = {k: v for k, v in WHOLE.items() if k != drop}
    only = {k: v for k, v in whole.items() if k in service.SAMPLE_KEYS}
    assert only.keys() < whole.keys()  # not vacuous: keys were left out
    row = service.PersonRow(93, 2, TOPICS, whole)
    narrow = service.PersonRow(93, 2, TOPICS, only)
    assert callable(build)
    assert build(row) == build(narrow)
