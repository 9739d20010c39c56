"""Keyphrases of a site: weighted n-grams from its title, description, headings and text. Pure.

A phrase scores by where it appears (title and description count 3x, headings 2x, text 1x,
other pages half), how specific it is (longer phrases and words that are rare in the topic
catalogue score higher) and whether the catalogue knows it as a topic name or keyword.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from orbit.site_analysis.extract import PageContent
from orbit.site_analysis.text import chunks, content_stems, stem, words

MAX_N = 4
TITLE_WEIGHT = 3.0
DESCRIPTION_WEIGHT = 3.0
HEADING_WEIGHT = 2.0
BODY_WEIGHT = 1.0
EXTRA_PAGE_FACTOR = 0.5
KNOWN_BOOST = 2.0  # the phrase is a topic name or keyword
_LENGTH_FACTOR = {1: 0.7, 2: 1.5, 3: 1.6, 4: 1.3}
VERB_FACTOR = 0.3
MODIFIER_FACTOR = 0.35  # a word inside a longer phrase says less on its own
_OBJECT_STARTS = frozenset(["every", "your", "the", "a", "an", "all", "our", "their", "each", "any", "its", "it", "them", "you", "us", "my", "this", "these", "those"])


@dataclass(frozen=True, slots=True)
class Lexicon:
    """What the topic catalogue says about words: how many topics use each stem, and which
    phrases (as `text.phrase_key`) are topic names or keywords."""

    doc_freq: Mapping[str, int]
    n_docs: int
    known_phrases: frozenset[str]

    def idf(self, stem_: str) -> float:
        df = self.doc_freq.get(stem_, 0)
        return math.log(1 + (self.n_docs - df + 0.5) / (df + 0.5))


@dataclass(frozen=True, slots=True)
class Keyphrase:
    text: str  # as written on the site (lower case)
    key: str  # content stems, for comparisons
    weight: float  # 0..1, the best phrase is 1


def _without_brand(title: str, company: str | None) -> str:
    """The title minus the company's name: "Acme CRM | Sales software" says "Sales software"."""
    if not company:
        return title
    at = title.lower().find(company.lower())
    return title if at < 0 else f"{title[:at]} . {title[at + len(company):]}"


def _inside_phrase(run: list[str], j: int, lexicon: Lexicon) -> bool:
    """Whether word j only modifies the words after it ("family" in "family dentistry": English
    phrases end in their head) or belongs to a known two-word phrase ("data science")."""
    if j < len(run) - 1:
        return True
    return j > 0 and f"{run[j - 1]} {run[j]}" in lexicon.known_phrases


def _verb_like(pages: list[PageContent]) -> set[str]:
    """Stems mostly used as verbs on this site: followed by "every", "your", "the", ...
    ("track every lead", "screen candidates"). No tagger needed for marketing copy."""
    before: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for page in pages:
        for text in (page.title, page.description, *page.headings, page.body):
            tokens = words(text)
            for k, w in enumerate(tokens):
                s = stem(w)
                total[s] += 1
                if k + 1 < len(tokens) and tokens[k + 1] in _OBJECT_STARTS:
                    before[s] += 1
    return {s for s, n in before.items() if n >= 1 and n * 2 >= total[s]}


def _fields(page: PageContent, factor: float, company: str | None) -> list[tuple[str, float]]:
    title = _without_brand(page.title, company)
    out = [(title, TITLE_WEIGHT * factor), (page.description, DESCRIPTION_WEIGHT * factor)]
    out += [(h, HEADING_WEIGHT * factor) for h in page.headings]
    out.append((page.body, BODY_WEIGHT * factor))
    return out


def _specificity(key: str, lexicon: Lexicon) -> float:
    """0..1: how rare the phrase's words are among topics (unknown words count as medium)."""
    parts = key.split()
    top = math.log(1 + lexicon.n_docs)
    vals = [lexicon.idf(s) / top if s in lexicon.doc_freq else 0.5 for s in parts]
    return sum(vals) / len(vals)


@dataclass(frozen=True, slots=True)
class SiteTerms:
    keyphrases: list[Keyphrase]  # best first
    # Every n-gram of the site (as `text.phrase_key`) with its prominence 0..1 (field-weighted
    # occurrences, log-scaled, relative to the most prominent one).
    prominence: dict[str, float]
    surface: dict[str, str]  # key → how the site most often wrote it


def site_terms(
    pages: list[PageContent], lexicon: Lexicon, *, company: str | None = None, limit: int = 40
) -> SiteTerms:
    """The site's best `limit` phrases, best first, with weights relative to the best one, and
    the prominence of every phrase on it."""
    score: dict[str, float] = defaultdict(float)
    surface: dict[str, Counter[str]] = defaultdict(Counter)
    verbs = _verb_like(pages)
    brand = set(content_stems(company or ""))
    for i, page in enumerate(pages):
        factor = 1.0 if i == 0 else EXTRA_PAGE_FACTOR
        for text, weight in _fields(page, factor, company):
            if not text:
                continue
            seen_here: set[str] = set()
            for run in chunks(text):
                run_stems = [stem(w) for w in run]
                for n in range(1, MAX_N + 1):
                    for j in range(len(run) - n + 1):
                        key = " ".join(run_stems[j : j + n])
                        # Repeats inside one heading or the title count once.
                        if weight > BODY_WEIGHT * factor and key in seen_here:
                            continue
                        seen_here.add(key)
                        gained = weight
                        if n == 1 and _inside_phrase(run_stems, j, lexicon):
                            gained *= MODIFIER_FACTOR
                        score[key] += gained
                        surface[key][" ".join(run[j : j + n])] += 1
    ranked: list[tuple[float, str]] = []
    for key, raw in score.items():
        parts = key.split()
        # The company's own name says nothing about its topics unless the catalogue knows it.
        if any(p in brand and p not in lexicon.doc_freq for p in parts) or (
            all(p in brand for p in parts) and key not in lexicon.known_phrases
        ):
            continue
        if len(parts) > 1 and all(p not in lexicon.doc_freq for p in parts):
            continue  # nothing in the catalogue could match it
        if parts[0] in verbs:
            if len(parts) == 1:
                continue  # "track" in "track every lead" is not what the site is about
            raw *= VERB_FACTOR
        value = math.log1p(raw) * _LENGTH_FACTOR[len(parts)] * (0.25 + _specificity(key, lexicon))
        # A known single word is weak evidence ("track" is a keyword of some topic, too).
        if key in lexicon.known_phrases and (len(parts) > 1 or _specificity(key, lexicon) > 0.45):
            value *= KNOWN_BOOST
        ranked.append((value, key))
    ranked.sort(key=lambda vk: (-vk[0], vk[1]))
    chosen: list[tuple[float, str]] = []
    for value, key in ranked:
        # A phrase inside an already chosen, nearly as strong longer phrase adds nothing.
        if any(f" {key} " in f" {c} " and cv >= 0.6 * value for cv, c in chosen):
            continue
        chosen.append((value, key))
        if len(chosen) == limit:
            break
    for key in verbs & score.keys():
        score[key] *= VERB_FACTOR
    top = max((math.log1p(v) for v in score.values()), default=1.0)
    prominence = {key: math.log1p(v) / top for key, v in score.items()}
    written = {key: forms.most_common(1)[0][0] for key, forms in surface.items()}
    if not chosen:
        return SiteTerms([], prominence, written)
    best = chosen[0][0]
    phrases = [Keyphrase(text=written[key], key=key, weight=round(value / best, 4)) for value, key in chosen]
    return SiteTerms(phrases, prominence, written)
