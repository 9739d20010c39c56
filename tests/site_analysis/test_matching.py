"""Topic matching on a small hand-made inventory: ranking rules, determinism, the vector cache."""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from orbit.site_analysis.analyzer import site_profile
from orbit.site_analysis.embedding import Embedder
from orbit.site_analysis.extract import extract_page
from orbit.site_analysis.keywords import site_terms
from orbit.site_analysis.matcher import Match, PageProfile, TopicIndex, split_qualifier
from orbit.warehouse.topics import TopicRow

TOPICS = [
    TopicRow(101, "CRM Software", "b2b", "Sales", "Software",
             "Research into CRM software for customer relationship management and sales pipelines.",
             ("crm software", "crm", "customer relationship management", "sales pipeline", "contact management")),
    TopicRow(102, "CRM Software for Real Estate", "b2b", "Sales", "Software",
             "Real estate brokerages comparing CRM software for listings and agent productivity.",
             ("crm software for real estate", "real estate crm", "crm", "real estate", "brokerages")),
    TopicRow(103, "CRM Software for Restaurants", "b2b", "Sales", "Software",
             "Restaurant operators comparing CRM software for guest data and reservations.",
             ("crm software for restaurants", "restaurant crm", "crm", "restaurants", "guest data")),
    TopicRow(104, "Payroll Services", "b2b", "Human Resources", "Service",
             "Sourcing payroll services providers that handle outsourced payroll and pay runs.",
             ("payroll services", "payroll provider", "outsourced payroll", "pay runs")),
    TopicRow(105, "Running Shoes", "b2c", "Retail", "Product",
             "Shoppers comparing running shoes on cushioning, fit and price.",
             ("running shoes", "trail running shoes", "marathon shoes")),
    TopicRow(106, "Dogs", "b2c", "Lifestyle", "Pets", "Consumer content on dogs: breeds, training and care.",
             ("dogs", "puppies", "dog breeds")),
    TopicRow(107, "Data Warehousing", "b2b", "Data", "Software",
             "Buying research on data warehousing and cloud data warehouse capabilities.",
             ("data warehousing", "data warehouse", "cloud data warehouse")),
    TopicRow(108, "Track and Field", "b2c", "Sports", "Sports", "Content on track and field athletics.",
             ("track and field", "track", "sprinting")),
]

CRM_PAGE = """<html><head><title>Keystone | CRM for real estate agents</title>
<meta name="description" content="Keystone is the CRM real estate agents use to track every lead and listing.">
</head><body><h1>The CRM built for real estate</h1>
<p>Real estate agents and brokerages manage contacts, listings and their sales pipeline in one CRM.</p>
<h2>Contact management</h2><p>Every call and email is logged against the contact.</p></body></html>"""


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


@pytest.fixture(scope="module")
def index(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> TopicIndex:
    return TopicIndex(TOPICS, embedder, cache_dir=tmp_path_factory.mktemp("vectors"))


def profile(index: TopicIndex, html: str, company: str | None = None) -> PageProfile:
    page = extract_page(html, "https://keystone.example/")
    return site_profile([page], site_terms([page], index.lexicon, company=company))


def names(found: list[Match]) -> list[str]:
    return [m.topic.name for m in found]


def test_the_general_topic_ranks_first_and_the_audience_variant_follows(index: TopicIndex) -> None:
    found = index.match(profile(index, CRM_PAGE, "Keystone"), limit=5)
    assert names(found)[:2] == ["CRM Software", "CRM Software for Real Estate"]
    assert "CRM Software for Restaurants" not in names(found)  # one variant per topic, and no restaurants
    assert found[0].matched_keyword in ("crm", "contact management", "sales pipeline")  # its name or keywords
    assert all(0 < m.similarity <= 1 for m in found)
    assert [m.similarity for m in found] == sorted((m.similarity for m in found), reverse=True)


def test_an_audience_the_site_does_not_mention_is_penalized(index: TopicIndex) -> None:
    generic = CRM_PAGE.replace("real estate agents", "sales teams").replace("Real estate agents and brokerages",
                                                                            "Teams").replace("for real estate", "")
    found = {m.topic.name: m.similarity for m in index.match(profile(index, generic, "Keystone"), limit=8)}
    assert found["CRM Software"] > 2 * found.get("CRM Software for Real Estate", 0.0)


def test_the_same_page_always_gets_the_same_answer(index: TopicIndex) -> None:
    first = index.match(profile(index, CRM_PAGE, "Keystone"), limit=8)
    again = index.match(profile(index, CRM_PAGE, "Keystone"), limit=8)
    assert first == again


def test_an_empty_page_matches_nothing(index: TopicIndex) -> None:
    assert index.match(profile(index, "<html><body></body></html>"), limit=5) == []


def test_audience_names_split_on_the_last_for() -> None:
    assert split_qualifier("Password Management for Business") == ("Password Management", "Business")
    assert split_qualifier("Fitness and Exercise") == ("Fitness and Exercise", "")


def test_topic_vectors_are_cached_on_disk(embedder: Embedder, tmp_path: Path, monkeypatch: Any) -> None:
    first = TopicIndex(TOPICS, embedder, cache_dir=tmp_path)
    files = list(tmp_path.glob("topic-vectors-*.npy"))
    assert [f.name for f in files] == [f"topic-vectors-{first.key}.npy"]
    embedded: list[int] = []
    original = embedder.embed

    def counting(texts: Any) -> Any:
        embedded.append(len(texts))
        return original(texts)

    monkeypatch.setattr(embedder, "embed", counting)
    second = TopicIndex(TOPICS, embedder, cache_dir=tmp_path)
    assert second.key == first.key
    assert len(TOPICS) not in embedded  # only the name words were embedded, not the topics
    assert np.allclose(second.vectors, first.vectors, atol=1e-3)
    changed = TopicIndex([*TOPICS[:-1], dataclasses.replace(TOPICS[-1], name="Athletics")], embedder, cache_dir=tmp_path)
    assert changed.key != first.key and len(list(tmp_path.glob("topic-vectors-*.npy"))) == 2


def test_the_embedding_model_loads_without_the_network(monkeypatch: Any) -> None:
    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the embedding model tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    vectors = Embedder().embed(["payroll services", "dog food"])
    assert vectors.shape == (2, 256)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
