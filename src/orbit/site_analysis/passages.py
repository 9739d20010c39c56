"""A site as passages: what each part of it says, weighted by where it stands. Pure.

Matching reads a site passage by passage (title and description, the hero, each heading with the
text under it, the same for the extra pages) rather than as one bag of words: each passage
proposes topics from its own meaning, so a section about invoicing can propose invoicing
software on an accounting site, and a word's sense comes from the sentence around it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from orbit.site_analysis.extract import PageContent, normalize

MAX_PASSAGES = 40
MAX_WORDS = 90  # the model reads ~128 tokens well; longer text blurs a passage's meaning
MIN_WORDS = 4
TITLE_WEIGHT = 1.0
HERO_WEIGHT = 1.0
SECTION_WEIGHT = 0.85
QUOTE_WEIGHT = 0.5  # testimonials talk about the product, often in passing
ASIDE_WEIGHT = 0.4  # integrations, customers, pricing: about the offering, not what it is
EXTRA_PAGE_FACTOR = 0.7
_QUOTE = re.compile(r"^[\"“‘']")
# Sections every site has that say nothing about what it sells.
_BOILERPLATE_HEADINGS = re.compile(
    r"^(?:contact(?: us)?|get in touch|subscribe|newsletter|stay (?:in touch|updated)|follow us|legal"
    r"|privacy|cookies?|terms|careers?|jobs|press|news|blog|resources|company|sitemap|footer|menu"
    r"|sign (?:in|up)|log ?in|faq|frequently asked questions|locations?|hours)\b",
    re.IGNORECASE,
)


# Sections about the offering's surroundings: the tools it works with, who uses it, its price.
_ASIDE_HEADINGS = re.compile(
    r"^(?:[\w\s]{0,20}\b)?(?:integrat\w*|works? (?:with|alongside)|connects? (?:to|with)|plays well|partners?"
    r"|trusted by|loved by|customers? (?:love|say)|testimonials?|reviews?|what (?:our )?(?:customers|clients|people) say"
    r"|case stud\w*|pricing|plans and pricing|simple pricing|awards?|as seen|our (?:story|mission|team))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Passage:
    text: str  # what is embedded: a heading with the text under it, trimmed
    weight: float  # 0..1: how much what this passage says counts for the site
    page: int  # 0 for the home page


def _trim(text: str, max_words: int = MAX_WORDS) -> str:
    parts = text.split()
    return " ".join(parts[:max_words])


def _page_passages(page: PageContent, index: int) -> list[Passage]:
    factor = 1.0 if index == 0 else EXTRA_PAGE_FACTOR
    out: list[Passage] = []
    head = normalize(" . ".join(p for p in (page.title, page.description) if p))
    if head:
        out.append(Passage(_trim(head), TITLE_WEIGHT * factor, index))
    for i, section in enumerate(page.sections()):
        heading = " ".join(section.split()[:6])  # a section starts with its heading
        if _BOILERPLATE_HEADINGS.match(heading):
            continue
        weight = HERO_WEIGHT if i == 0 else SECTION_WEIGHT
        if _QUOTE.match(section):
            weight = QUOTE_WEIGHT
        elif i > 0 and _ASIDE_HEADINGS.search(heading):
            weight = ASIDE_WEIGHT
        out.append(Passage(_trim(section), weight * factor, index))
    return out


def site_passages(pages: list[PageContent], *, limit: int = MAX_PASSAGES) -> list[Passage]:
    """The passages of a site, home page first, each text once, at most `limit`."""
    seen: set[str] = set()
    out: list[Passage] = []
    for index, page in enumerate(pages):
        for passage in _page_passages(page, index):
            key = passage.text.casefold()
            if len(passage.text.split()) < MIN_WORDS or key in seen:
                continue
            seen.add(key)
            out.append(passage)
    # Keep the heaviest when a site has more than the limit; ties keep page order.
    if len(out) > limit:
        keep = sorted(range(len(out)), key=lambda i: (-out[i].weight, i))[:limit]
        out = [out[i] for i in sorted(keep)]
    return out
