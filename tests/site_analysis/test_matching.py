"""Topic matching on a small hand-made inventory: the ranking rules, confidence, evidence,
determinism, the vector cache and the offline model."""

from __future__ import annotations

import dataclasses
import socket
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from orbit.site_analysis.analyzer import site_words
from orbit.site_analysis.embedding import DIM, Embedder
from orbit.site_analysis.extract import extract_page
from orbit.site_analysis.keywords import site_terms
from orbit.site_analysis.matcher import Answer, TopicIndex
from orbit.site_analysis.passages import site_passages
from orbit.warehouse.topics import TopicRow


def _topic(tid: int, name: str, type_: str, industry: str, category: str, description: str, *kws: str) -> TopicRow:
    return TopicRow(tid, name, type_, industry, category, description, kws)


TOPICS = [
    _topic(101, "CRM Software", "b2b", "Sales", "Software",
           "Software that keeps a company's contacts, deals and customer conversations in one place.",
           "crm", "customer relationship management", "contact management", "sales pipeline"),
    _topic(102, "Real Estate CRM Software", "b2b", "Real Estate", "Software",
           "CRM software built for real estate agents to manage buyers, sellers and listings.",
           "real estate crm", "crm for realtors", "listing management"),
    _topic(103, "Restaurant POS Systems", "b2b", "Hospitality", "Software",
           "Point-of-sale systems that restaurants use to take orders and payments at tables and counters.",
           "restaurant pos", "pos for restaurants", "table service pos"),
    _topic(104, "POS Systems", "b2b", "Retail", "Software",
           "Point-of-sale systems that ring up sales, take card payments and track what was sold.",
           "pos", "point of sale", "card terminals", "checkout"),
    _topic(105, "Payroll Software", "b2b", "Human Resources", "Software",
           "Software that calculates employee pay, withholds taxes and pays staff on schedule.",
           "payroll", "pay runs", "payroll taxes", "direct deposit"),
    _topic(106, "Employee Scheduling Software", "b2b", "Human Resources", "Software",
           "Software that plans staff shifts, swaps and time off for hourly teams.",
           "shift scheduling", "staff rota", "employee schedules"),
    _topic(107, "Data Warehousing", "b2b", "Data", "Software",
           "Central databases that store company data for analytics, reporting and SQL queries at scale.",
           "data warehouse", "cloud data warehouse", "analytics database"),
    _topic(108, "Warehouse Management Systems", "b2b", "Logistics", "Software",
           "Software that runs a warehouse's receiving, storage locations, picking, packing and shipping.",
           "wms", "warehouse management", "pick and pack", "inventory locations"),
    _topic(109, "Track and Field", "b2c", "Sports", "Interest",
           "The athletics sports of running, jumping and throwing events on a track and field.",
           "track and field", "athletics", "sprinting"),
    _topic(110, "Sales", "b2b", "Sales", "Strategy",
           "Selling products and services to customers: methods, teams and results.",
           "selling", "sales teams", "sales process"),
    _topic(111, "Sales Forecasting", "b2b", "Sales", "Software",
           "Predicting future sales revenue from the deals in a pipeline and past results.",
           "sales forecast", "revenue forecasting", "forecast accuracy"),
    _topic(112, "Sales Analytics", "b2b", "Sales", "Software",
           "Reports and dashboards on win rates, deal cycles and rep performance.",
           "sales reports", "sales dashboards", "win rates"),
    _topic(113, "Dog Food", "b2c", "Lifestyle", "Product",
           "Food made for dogs: kibble, wet food and fresh meals for puppies and adult dogs.",
           "dog food", "kibble", "puppy food"),
    _topic(114, "Running Shoes", "b2c", "Sports", "Product",
           "Shoes designed for running on roads and trails, compared on cushioning and fit.",
           "running shoes", "trail running shoes", "marathon shoes"),
    _topic(115, "Mattresses", "b2c", "Home and Garden", "Product",
           "Mattresses for beds: memory foam, hybrid and innerspring, bought for better sleep.",
           "mattress", "memory foam mattress", "hybrid mattress"),
    _topic(116, "Bed and Breakfasts", "b2c", "Travel", "Experience",
           "Small guest houses that rent rooms to travelers with breakfast included.",
           "b&b", "guest house", "inn"),
]

CRM_PAGE = """<html><head><title>Keystone | CRM for real estate agents</title>
<meta name="description" content="Keystone is the CRM real estate agents use to track every buyer, seller and listing.">
</head><body><h1>The CRM built for real estate</h1>
<p>Real estate agents and brokerages manage contacts, listings and their sales pipeline in one CRM.</p>
<h2>Contact management</h2><p>Every call and email is logged against the contact and the property.</p></body></html>"""

GENERIC_CRM_PAGE = """<html><head><title>Keystone | The CRM for growing teams</title>
<meta name="description" content="Keystone keeps every customer, deal and conversation in one place.">
</head><body><h1>The CRM your team will actually use</h1>
<p>Manage contacts, deals and your pipeline in one clean workspace, with every email logged.</p>
<h2>Contact management</h2><p>Every call and email is logged against the contact and the account.</p></body></html>"""

POS_PAGE = """<html><head><title>Tillwise | Point of sale for shops</title>
<meta name="description" content="Tillwise is the point-of-sale system for independent shops.">
</head><body><h1>Ring up sales in seconds</h1>
<p>Take card payments, print receipts and see what sold today on any tablet.</p>
<h2>Checkout on any device</h2><p>Scan barcodes, apply discounts and take tap-to-pay card payments at the counter.</p>
<h2>Staff scheduling</h2><p>Plan shifts for your hourly staff and let them swap shifts from their phones.</p>
</body></html>"""

WAREHOUSE_PAGE = """<html><head><title>Stratus | The cloud data warehouse</title>
<meta name="description" content="Stratus is the cloud data warehouse for analytics teams: load data, run SQL, share dashboards.">
</head><body><h1>One cloud data warehouse for all your data</h1>
<p>Query petabytes with standard SQL, separate storage from compute and pay per second.</p></body></html>"""

OFF_TOPIC_PAGE = """<html><head><title>Margo's notes</title></head><body>
<h1>Thoughts on a rainy Tuesday</h1>
<p>I keep thinking about the color of the sky over the harbor last spring, and the way my grandmother
hummed while she folded letters. Some afternoons feel like a held breath.</p>
<h2>On waiting</h2><p>Patience is a strange companion. It sits beside you without a word and leaves
when you stop noticing it, like a cat that was never yours.</p></body></html>"""


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


@pytest.fixture(scope="module")
def index(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> TopicIndex:
    return TopicIndex(TOPICS, embedder, cache_dir=tmp_path_factory.mktemp("vectors"))


def analyze(index: TopicIndex, html: str, company: str | None = None, limit: int = 6) -> Answer:
    page = extract_page(html, "https://keystone.example/")
    terms = site_terms([page], index.lexicon, company=company)
    return index.match(site_passages([page]), terms.keyphrases, site_words=site_words([page]), limit=limit)


def names(answer: Answer) -> list[str]:
    return [m.topic.name for m in answer.matches]


def test_a_variant_ranks_when_the_site_names_its_audience(index: TopicIndex) -> None:
    found = names(analyze(index, CRM_PAGE, "Keystone"))
    assert found[0] in ("CRM Software", "Real Estate CRM Software")
    assert "Real Estate CRM Software" in found[:2]


def test_a_variant_without_its_audience_never_outranks_its_base(index: TopicIndex) -> None:
    answer = analyze(index, GENERIC_CRM_PAGE, "Keystone")
    found = names(answer)
    assert found[0] == "CRM Software"
    if "Real Estate CRM Software" in found:
        assert found.index("Real Estate CRM Software") > found.index("CRM Software")
    scores = {m.topic.name: m.similarity for m in answer.matches}
    assert scores.get("Real Estate CRM Software", 0.0) < scores["CRM Software"]
    # A point-of-sale page for shops: the restaurant variant stays below the general topic.
    pos = names(analyze(index, POS_PAGE, "Tillwise"))
    assert pos[0] == "POS Systems"
    if "Restaurant POS Systems" in pos:
        assert pos.index("Restaurant POS Systems") > pos.index("POS Systems")


def test_secondary_offerings_in_headings_are_found(index: TopicIndex) -> None:
    found = names(analyze(index, POS_PAGE, "Tillwise"))
    assert "Employee Scheduling Software" in found[:3]


def test_word_sense_comes_from_the_passage(index: TopicIndex) -> None:
    answer = analyze(index, WAREHOUSE_PAGE, "Stratus")
    assert names(answer)[0] == "Data Warehousing"
    # "warehouse" alone does not make a data warehouse page a warehouse-operations one.
    scores = {m.topic.name: m.similarity for m in answer.matches}
    assert scores.get("Warehouse Management Systems", 0.0) < scores["Data Warehousing"] - 0.2


def test_specific_topics_beat_the_generic_one(index: TopicIndex) -> None:
    page = """<html><head><title>Forecastly | Sales forecasting</title></head><body>
    <h1>Forecast every quarter with confidence</h1><p>Predict revenue from the deals in your pipeline.</p>
    <h2>Sales reports</h2><p>Win rates and deal cycles by rep, in dashboards your leaders read.</p></body></html>"""
    found = names(analyze(index, page, "Forecastly"))
    assert found[0] == "Sales Forecasting"
    assert "Sales" not in found[:2]


def test_confidence_is_low_on_an_off_topic_page(index: TopicIndex) -> None:
    assert analyze(index, OFF_TOPIC_PAGE).confidence == "low"
    assert analyze(index, GENERIC_CRM_PAGE, "Keystone").confidence in ("high", "medium")


def test_evidence_and_matched_keywords_come_from_the_page(index: TopicIndex) -> None:
    page_text = " ".join(extract_page(CRM_PAGE, "https://keystone.example/").normalized_text().lower().split())
    answer = analyze(index, CRM_PAGE, "Keystone")
    assert answer.matches
    for m in answer.matches:
        # Title and description are one passage, joined with " . ".
        assert m.evidence and all(part.lower() in page_text for part in m.evidence.rstrip("…").split(" . "))
        assert m.matched_keyword.lower() in page_text
        assert 0 <= m.similarity <= 1
    assert [m.similarity for m in answer.matches] == sorted((m.similarity for m in answer.matches), reverse=True)
    assert len({m.topic.topic_id for m in answer.matches}) == len(answer.matches)


def test_the_same_page_always_gets_the_same_answer(index: TopicIndex) -> None:
    assert analyze(index, CRM_PAGE, "Keystone") == analyze(index, CRM_PAGE, "Keystone")


def test_an_empty_page_matches_nothing(index: TopicIndex) -> None:
    answer = analyze(index, "<html><body></body></html>")
    assert answer.matches == [] and answer.confidence == "low"


def test_topic_search_by_meaning(index: TopicIndex) -> None:
    near = index.similar("pay my staff and file their taxes", k=3)
    assert max(near, key=lambda tid: near[tid]) == 105
    near = index.similar("a place to store data for analytics", k=3)
    assert max(near, key=lambda tid: near[tid]) == 107


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
    assert embedded == []  # nothing was embedded: the vectors came from the cache
    assert np.allclose(second.vectors, first.vectors, atol=1e-3)
    changed = TopicIndex([*TOPICS[:-1], dataclasses.replace(TOPICS[-1], name="Guest Houses")], embedder,
                         cache_dir=tmp_path)
    assert changed.key != first.key and len(list(tmp_path.glob("topic-vectors-*.npy"))) == 2


def test_the_embedding_model_loads_without_the_network(monkeypatch: Any) -> None:
    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the embedding model tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    vectors = Embedder().embed(["payroll services", "dog food", ""])
    assert vectors.shape == (3, DIM)
    assert np.allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, atol=1e-5)
    assert not vectors[2].any()  # an empty text has no direction


def test_the_index_is_built_in_the_background_and_ready_per_version(tmp_path: Path) -> None:
    from orbit.settings import SiteAnalysisSettings
    from orbit.site_analysis.analyzer import SiteAnalyzer
    from orbit.topics.inventory import Inventory

    analyzer = SiteAnalyzer(SiteAnalysisSettings(), cache_dir=tmp_path)
    inventory = Inventory(TOPICS)
    assert not analyzer.ready("v1")
    analyzer.prepare(inventory, "v1")  # returns at once; the build runs in a thread
    deadline = time.monotonic() + 120
    while not analyzer.ready("v1") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert analyzer.ready("v1") and not analyzer.ready("v2")
    assert {t.topic_id for t in analyzer.index(inventory, "v1").topics} == {t.topic_id for t in TOPICS}
    analyzer.close()


def test_a_heading_topic_refined_by_many_gives_way(embedder: Embedder) -> None:
    refinements = ["Marketing Software", "Security", "Hosting", "Deliverability", "Verification",
                   "Signature Software", "Archiving", "Client Software", "Encryption"]
    topics = [_topic(200, "Email", "b2b", "Technology", "Technology",
                     "Sending and receiving electronic messages, and everything around it.", "email", "e-mail", "inbox")]
    topics += [_topic(201 + i, f"Email {r}", "b2b", "Marketing" if i == 0 else "Technology", "Software",
                      f"Tools and services for email {r.lower()} used by businesses of every size.",
                      f"email {r.lower()}", f"{r.lower()} for email")
               for i, r in enumerate(refinements)]
    topics[1] = dataclasses.replace(topics[1], description="Software to design newsletters, manage subscriber "
                                    "lists and send email campaigns to customers.")
    index = TopicIndex(topics, embedder)
    page = """<html><head><title>Sendwell | Newsletters your customers open</title></head><body>
    <h1>Email campaigns made simple</h1><p>Design newsletters, grow your subscriber list and send
    email campaigns that get opened.</p><h2>Email automation</h2><p>Welcome series and drip emails
    that send themselves.</p></body></html>"""
    found = names(analyze(index, page, "Sendwell"))
    assert "Email Marketing Software" in found[:2]
    assert "Email" not in found[:3]


def test_an_audience_named_in_passing_does_not_lift_the_variant_over_its_base(index: TopicIndex) -> None:
    page = GENERIC_CRM_PAGE.replace("</body>", "<h2>Loved by every kind of team</h2><p>Agencies, real estate "
                                    "agents and software companies run their deals in Keystone.</p></body>")
    found = names(analyze(index, page, "Keystone"))
    assert found[0] == "CRM Software"
    if "Real Estate CRM Software" in found:
        assert found.index("Real Estate CRM Software") > found.index("CRM Software")
