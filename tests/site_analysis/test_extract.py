"""Extraction from HTML: company name, summary, sections, same-site pages, content hash, keyphrases."""

from __future__ import annotations

from orbit.site_analysis.analyzer import content_hash
from orbit.site_analysis.extract import company_name, extract_page, pick_extra_pages, summary
from orbit.site_analysis.keywords import Lexicon, site_terms

URL = "https://www.northwind.example/"


def html(head: str = "", body: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"


def test_the_company_name_comes_from_open_graph_first() -> None:
    page = extract_page(html('<title>Home | Whatever</title><meta property="og:site_name" content="Northwind CRM">'), URL)
    assert company_name([page], "www.northwind.example") == "Northwind CRM"


def test_the_company_name_comes_from_schema_org_organizations() -> None:
    ld = '<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebPage",' \
         '"name":"Welcome"},{"@type":"Dentist","name":"BrightSmile Family Dental"}]}</script>'
    page = extract_page(html(f"<title>Dentist in Springfield</title>{ld}"), URL)
    assert page.org_names == ["BrightSmile Family Dental"]
    assert company_name([page], "brightsmile.example") == "BrightSmile Family Dental"


def test_the_company_name_falls_back_to_the_title_part_like_the_domain() -> None:
    page = extract_page(html("<title>Cloud data warehouse for every team — Stratus Data</title>"), URL)
    assert company_name([page], "www.stratusdata.example") == "Stratus Data"
    bare = extract_page(html("<title>Welcome</title>"), URL)
    assert company_name([bare], "www.acme-widgets.example") == "Acme Widgets"


def test_broken_json_ld_is_ignored() -> None:
    page = extract_page(html('<script type="application/ld+json">{not json</script><title>A | B</title>'), URL)
    assert page.org_names == []


def test_the_summary_is_the_meta_description_or_the_first_sentences() -> None:
    described = extract_page(html('<meta name="description" content="Online accounting software for small '
                                  'businesses and their accountants.">'), URL)
    assert summary([described]) == "Online accounting software for small businesses and their accountants."
    body = "<p>" + "We roast specialty coffee in small batches every single day. " * 3 + "</p>"
    plain = extract_page(html(body=body), URL)
    text = summary([plain])
    assert text is not None and text.startswith("We roast specialty coffee in small batches") and len(text) <= 300


def test_headings_sections_and_plain_text() -> None:
    page = extract_page(html(body="<h1>Payroll made easy</h1><p>Run payroll in minutes for your whole team.</p>"
                                  "<h2>Benefits</h2><p>Offer health plans and retirement savings to staff.</p>"), URL)
    assert page.headings == ["Payroll made easy", "Benefits"]
    assert page.sections() == ["Payroll made easy Run payroll in minutes for your whole team.",
                               "Benefits Offer health plans and retirement savings to staff."]
    text = extract_page("just some words", URL, content_type="text/plain")
    assert text.body == "just some words" and text.title == ""


def test_extra_pages_are_same_site_pages_worth_reading() -> None:
    links = "".join(f'<a href="{h}">{t}</a>' for h, t in [
        ("/about-us", "About"), ("https://northwind.example/pricing", "Pricing"), ("/blog/post-1", "Blog"),
        ("https://other.example/about", "Partner"), ("/about-us#team", "Team"), ("mailto:hi@northwind.example", "Mail"),
        ("/product/overview", "Product"), ("/pricing/enterprise", "Enterprise pricing"), ("/files/deck.pdf", "Deck"),
    ])
    page = extract_page(html(body=links), URL)
    assert pick_extra_pages(page, limit=4) == [
        "https://www.northwind.example/about-us", "https://www.northwind.example/product/overview",
        "https://northwind.example/pricing",
    ]
    assert pick_extra_pages(page, limit=1) == ["https://www.northwind.example/about-us"]
    assert pick_extra_pages(page, limit=0) == []


def test_the_content_hash_follows_the_text_only() -> None:
    a = extract_page(html("<title>A</title>", "<p>Same words here.</p><script>var t=1</script>"), URL)
    b = extract_page(html("<title>A</title>", "<p>Same   words\nhere.</p><script>var t=2</script>"), URL)
    c = extract_page(html("<title>A</title>", "<p>Other words here.</p>"), URL)
    assert content_hash([a]) == content_hash([b]) != content_hash([c])


def test_keyphrases_skip_the_brand_and_verbs() -> None:
    page = extract_page(html(
        '<title>Zentrix | Expense management for growing teams</title><meta name="description" '
        'content="Zentrix helps finance teams track every expense and automate expense reports.">',
        "<h1>Expense reports without the paperwork</h1><p>Track every receipt. Corporate cards included.</p>",
    ), URL)
    lexicon = Lexicon(doc_freq={"expense": 40, "report": 300, "corporate": 50, "card": 60, "receipt": 10,
                                "management": 2000, "team": 900},
                      n_docs=13_500, known_phrases=frozenset({"expense management", "expense report", "corporate card"}))
    terms = site_terms([page], lexicon, company="Zentrix")
    texts = [k.text for k in terms.keyphrases]
    assert texts[0] in ("expense management", "expense reports")
    assert "corporate cards" in texts
    assert not any("zentrix" in t for t in texts)
    assert "track" not in texts  # "track every ..." is a verb here
    assert terms.keyphrases[0].weight == 1.0 and all(0 < k.weight <= 1 for k in terms.keyphrases)
    assert terms.prominence["expense report"] > terms.prominence["paperwork"] > terms.prominence["receipt"]
