"""Hybrid topic matching: BM25 (bm25s) over topic names, keywords and descriptions plus static
embeddings of "name. description", fused per keyphrase and per page, scored 0..1. No network.

A `TopicIndex` is built once per topic inventory and kept in memory; its topic vectors are
also cached on disk, keyed by a hash of the inventory text and the model, so a restart does not
embed 13,500 topics again (about 1.3 s) and no request ever embeds the catalogue.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s  # type: ignore[import-untyped]  # ships no type hints
import numpy as np
import numpy.typing as npt

from orbit.site_analysis.embedding import DIM, MODEL_ID, Embedder, Vectors
from orbit.site_analysis.keywords import Keyphrase, Lexicon
from orbit.site_analysis.text import STOPWORDS, content_stems, name_stems, phrase_key
from orbit.warehouse.topics import TopicRow

log = logging.getLogger("orbit.site_analysis")

Scores = npt.NDArray[np.float32]
BM25_K1 = 1.2
BM25_B = 0.75
MAX_KEYPHRASES = 30
CANDIDATES = 300
PAGE_WORDS = 800  # distinct page words compared with topic-name words
KEYWORD_STRENGTH = 0.8  # a topic keyword found on a site, relative to the topic's name
WORD_STRENGTH = 0.4  # a one-word keyword
NAME_EXPLAINS = 2.0  # preference for phrases made of the topic name's words as the matched keyword
# Words that name the form of an offering, not its subject: missing from a site, they matter less.
FORM_WORDS = frozenset([
    "software", "service", "system", "platform", "tool", "solution", "management", "industry", "product",
    "technology", "program", "app", "application", "provider",
])
FORM_WORD_WEIGHT = 0.3
# Words of an audience qualifier that say nothing about which audience ("... for Energy Companies").
AUDIENCE_WORDS = frozenset([
    "company", "business", "firm", "organization", "brand", "provider", "team", "agency", "operator",
])
AUDIENCE_FULL = 0.5  # prominence of the audience on the site that counts as full evidence
UNIGRAM_HIT_POWER = 2.0  # a one-word phrase counts only when prominent (prominence is squared)
MAX_VARIANTS = 1  # audience variants ("X for Y") of one topic kept in an answer
PARENT_CAP = 0.99  # an audience variant scores at most this share of its general topic
TYPE_SAMPLE = 15  # strongest candidates whose B2B/B2C mix sets the type prior
TYPE_FLOOR = 0.6  # a topic of a type absent from them keeps this share of its score
_LENGTH_SPECIFICITY = {1: 1.0, 2: 1.3}


@dataclass(frozen=True, slots=True)
class MatchWeights:
    """How the signals combine; calibrated on benchmarks/site_eval (see docs/site_analysis.md)."""

    sem_floor: float = 0.35  # cosine at or below this is no evidence
    sem_span: float = 0.45  # cosine of sem_floor + sem_span counts as full evidence
    lexical: float = 0.7  # share of BM25 in the per-keyphrase fusion (the rest is semantic)
    hits: float = 0.40  # topic names and keywords found verbatim on the site
    found: float = 0.20  # the share of them found, at any prominence
    keyword: float = 0.30  # best single keyphrase (BM25 + semantic)
    support: float = 0.10  # mean of the three best keyphrases
    page: float = 0.20  # the page gist (title, description, headings) as a whole
    page_floor: float = 0.25  # gist cosine at or below this is no evidence
    page_band: float = 0.25  # gist cosines this far below the site's best one still count
    page_sure_floor: float = 0.35  # a text whose best cosine is this low vouches for nothing
    page_sure_span: float = 0.25  # ... and one whose best is floor + span fully
    coverage_floor: float = 0.45  # a topic whose name words are absent keeps this share
    qualifier_floor: float = 0.25  # "X for <audience>" without that audience on the site
    # An audience variant needs the audience to be the site's target, which text alone cannot
    # confirm (a freight forwarder offering trucking is not selling to trucking companies).
    variant: float = 0.75
    phrase_power: float = 0.5  # keyphrase weight (0..1) ** this scales its matches
    word_floor: float = 0.45  # word cosine at or below this is no evidence of a name word
    word_span: float = 0.40  # ... and floor + span counts as the word itself


@dataclass(frozen=True, slots=True)
class Match:
    topic: TopicRow
    similarity: float  # 0..1
    matched_keyword: str


@dataclass(frozen=True, slots=True)
class PageProfile:
    """What matching reads from a site: its phrases, the gist of each page, its words."""

    keyphrases: list[Keyphrase]
    prominence: dict[str, float]  # every n-gram key of the site → 0..1
    gists: list[tuple[str, float]]  # (text, weight): each page's gist and each of its sections
    word_counts: Counter[str]  # content-word stems of all pages
    surface: dict[str, str]  # n-gram key → how the site wrote it


def inventory_key(topics: Sequence[TopicRow]) -> str:
    """A hash of everything matching reads from the inventory, plus the embedding model."""
    digest = hashlib.sha256(MODEL_ID.encode())
    for t in topics:
        digest.update(f"\x1e{t.topic_id}\x1f{t.name}\x1f{t.description}\x1f{'|'.join(t.keywords)}".encode())
    return digest.hexdigest()[:32]


def _topic_tokens(t: TopicRow) -> list[str]:
    # The name counts twice: it is what a topic is, keywords and description only describe it.
    name = content_stems(t.name)
    return name * 2 + content_stems(" ; ".join(t.keywords)) + content_stems(t.description)


def _load_or_embed(path: Path | None, texts: list[str], embedder: Embedder) -> Vectors:
    if path is not None and path.exists():
        try:
            cached: Vectors = np.load(path, allow_pickle=False).astype(np.float32)
            if cached.shape == (len(texts), DIM):
                return cached
        except (OSError, ValueError):
            log.warning("ignoring an unreadable topic-vector cache at %s", path)
    # Stored as float16 (7 MB for 13,500 topics); fresh vectors get the same rounding, so answers
    # do not change when a restart reads them back.
    vectors: Vectors = embedder.embed(texts).astype(np.float16).astype(np.float32)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename, so a concurrent reader never sees half a file.
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npy.tmp")
            with os.fdopen(fd, "wb") as fh:
                np.save(fh, vectors.astype(np.float16))
            os.replace(tmp, path)
        except OSError:
            log.warning("could not cache topic vectors at %s; they are recomputed after a restart", path)
    return vectors


def split_qualifier(name: str) -> tuple[str, str]:
    """"CRM Software for Real Estate" → ("CRM Software", "Real Estate"); no " for " → (name, "")."""
    head, sep, tail = name.rpartition(" for ")
    return (head, tail) if sep and head and tail else (name, "")


class TopicIndex:
    """Everything about one inventory that matching needs, computed once."""

    def __init__(self, topics: Sequence[TopicRow], embedder: Embedder, *, cache_dir: Path | None = None) -> None:
        self.topics = list(topics)
        self.key = inventory_key(self.topics)
        self._embedder = embedder
        docs = [_topic_tokens(t) for t in self.topics]
        self._bm25 = bm25s.BM25(k1=BM25_K1, b=BM25_B)
        self._bm25.index(docs, show_progress=False)
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(set(doc))
        self._ids = np.asarray([t.topic_id for t in self.topics], dtype=np.int64)
        # Topic names and keywords as phrase keys → (row, strength): found verbatim on a site,
        # they are the most precise evidence there is.
        self._phrase_rows: dict[str, list[tuple[int, float]]] = {}
        self.core_stems: list[list[str]] = []
        self._name_words: list[frozenset[str]] = []
        self.qualifier_stems: list[list[str]] = []  # informative words of the audience
        self.qualifier_keys: list[str] = []
        self._phrase_count: list[int] = []  # distinct names and keywords of each topic
        for row, t in enumerate(self.topics):
            core, qualifier = split_qualifier(t.name)
            self.core_stems.append(sorted(set(name_stems(core))))
            self._name_words.append(frozenset(name_stems(t.name)))
            self.qualifier_keys.append(phrase_key(qualifier))
            # Audience words that are also the topic's own ("... for Energy Companies" of "Energy
            # Management") cannot tell whether the site targets that audience.
            self.qualifier_stems.append(sorted(set(name_stems(qualifier)) - AUDIENCE_WORDS - set(name_stems(core))))
            # A lone keyword word ("track", "family") is weak evidence; a name is strong.
            strengths = {
                key: KEYWORD_STRENGTH if " " in key else WORD_STRENGTH
                for key in (phrase_key(k) for k in t.keywords)
            }
            strengths[phrase_key(t.name)] = 1.0
            strengths[phrase_key(core)] = 1.0
            for key, strength in strengths.items():
                if key:
                    self._phrase_rows.setdefault(key, []).append((row, strength))
            self._phrase_count.append(max(1, len([k for k in strengths if k])))
        by_name = {t.name.casefold(): row for row, t in enumerate(self.topics)}
        # "CRM Software for Real Estate" → the row of "CRM Software", when the catalogue has it.
        self._parent = [
            by_name.get(split_qualifier(t.name)[0].casefold(), -1) if self.qualifier_keys[row] else -1
            for row, t in enumerate(self.topics)
        ]
        self.lexicon = Lexicon(doc_freq=dict(df), n_docs=len(docs), known_phrases=frozenset(self._phrase_rows))
        path = cache_dir / f"topic-vectors-{self.key}.npy" if cache_dir is not None else None
        self.vectors = _load_or_embed(path, [f"{t.name}. {t.description}" for t in self.topics], embedder)
        # Name words: vectors for soft coverage ("wages" is some evidence for "payroll").
        vocab = sorted({s for names in self.core_stems for s in names})
        self._word_row = {w: i for i, w in enumerate(vocab)}
        self._word_vectors = embedder.embed(vocab)

    def specificity(self, key: str) -> float:
        """0..1: how much finding this phrase on a site says (rare words, more words: more)."""
        parts = key.split()
        if not parts:
            return 0.0
        top = math.log(1 + self.lexicon.n_docs)
        mean = sum(self.lexicon.idf(p) for p in parts) / len(parts) / top
        return min(1.0, mean * _LENGTH_SPECIFICITY.get(len(parts), 1.5))

    def _lexical(self, phrase: str) -> Scores:
        """BM25 of every topic for `phrase`, divided by what a topic of average length holding
        each phrase word once would score, and capped at 1."""
        stems = list(dict.fromkeys(content_stems(phrase)))
        tokens = [s for s in stems if s in self._bm25.vocab_dict]
        if not tokens:
            return np.zeros(len(self.topics), dtype=np.float32)
        raw: Scores = np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)
        # Words no topic has still count in the ideal: "signed document organised" matching only
        # on "document" is a weak match.
        ideal = sum(self.lexicon.idf(s) for s in stems)
        capped: Scores = np.minimum(raw / max(ideal, 1e-6), 1.0).astype(np.float32)
        return capped

    def _hits(self, profile: PageProfile) -> tuple[Scores, Scores, Scores, dict[int, str]]:
        """Per topic: 0..1 noisy-or over its names and keywords found on the site (each by its
        prominence there, its specificity and strength); the share of its names and keywords
        found (at any prominence); the specificity of the best phrase of
        several words found (evidence of the topic even when its name words are absent); and
        the best such phrase per topic."""
        missing = np.ones(len(self.topics), dtype=np.float64)
        phrase_evidence = np.zeros(len(self.topics), dtype=np.float32)
        found = np.zeros(len(self.topics), dtype=np.float32)
        best: dict[int, tuple[float, str]] = {}
        for key, prominence in profile.prominence.items():
            rows = self._phrase_rows.get(key)
            if rows is None:
                continue
            parts = key.split()
            spec = self.specificity(key)
            h = (prominence if " " in key else prominence**UNIGRAM_HIT_POWER) * spec
            for row, strength in rows:
                missing[row] *= 1.0 - h * strength
                found[row] += 1.0
                if " " in key:
                    phrase_evidence[row] = max(phrase_evidence[row], spec * strength)
                # Words of the topic's own name, when the site uses them, explain the match best.
                named = sum(1 for p in parts if p in self._name_words[row]) / len(parts)
                telling = h * strength * (1.0 + NAME_EXPLAINS * named)
                if telling > best.get(row, (0.0, ""))[0]:
                    best[row] = (telling, key)
        hits = (1.0 - missing).astype(np.float32)
        # Several of a topic's own phrases on one site ("metrics", "logs", "traces") say more
        # together than each does alone.
        share = np.minimum(found / np.asarray(self._phrase_count, dtype=np.float32), 1.0)
        return hits, share, phrase_evidence, {row: key for row, (_, key) in best.items()}

    def _word_evidence(self, stems: list[str], present: set[str], page_vectors: Vectors | None,
                       w: MatchWeights) -> float:
        """0..1: how much of these words the site accounts for (the word itself fully, a related
        word partly); words that only name the form of an offering ("software") count less."""
        total = got = 0.0
        for s in stems:
            weight = FORM_WORD_WEIGHT if s in FORM_WORDS else 1.0
            total += weight
            if s in present:
                got += weight
            elif page_vectors is not None and s in self._word_row:
                cos = float(np.max(page_vectors @ self._word_vectors[self._word_row[s]]))
                got += weight * min(max((cos - w.word_floor) / w.word_span, 0.0), 1.0)
        return got / total if total > 0 else 1.0

    def match(self, profile: PageProfile, *, limit: int, weights: MatchWeights | None = None) -> list[Match]:
        """The `limit` best topics for a site, best first, with similarity 0..1 and the keyphrase
        that explains each; ties go to the smaller topic id. Deterministic."""
        w = weights or MatchWeights()
        phrases = profile.keyphrases[:MAX_KEYPHRASES]
        n = len(self.topics)
        hits, found, phrase_evidence, hit_phrase = self._hits(profile)
        fused = np.zeros((max(len(phrases), 1), n), dtype=np.float32)
        if phrases:
            sem = self._embedder.embed([p.text for p in phrases]) @ self.vectors.T
            sem = np.clip((sem - w.sem_floor) / w.sem_span, 0.0, 1.0)
            lex = np.stack([self._lexical(p.text) for p in phrases])
            fused = (w.lexical * lex + (1 - w.lexical) * sem).astype(np.float32)
            fused *= np.asarray([p.weight**w.phrase_power for p in phrases], dtype=np.float32)[:, None]
        best = fused.max(axis=0)
        top3 = np.sort(fused, axis=0)[-3:].mean(axis=0)
        page = np.zeros(n, dtype=np.float32)
        if profile.gists:
            gist_vectors = self._embedder.embed([g for g, _ in profile.gists])
            gist_weights = np.asarray([gw for _, gw in profile.gists], dtype=np.float32)[:, None]
            cos = gist_vectors @ self.vectors.T
            # Relative to each text's best: the cosines of a longer text sit in a narrow band
            # whose height depends on the text, so the topics nearest its top get the credit.
            top = cos.max(axis=1, keepdims=True)
            floor = np.maximum(w.page_floor, top - w.page_band)
            rel = np.clip((cos - floor) / np.maximum(top - floor, 1e-6), 0.0, 1.0)
            # A text whose best topic is still far away (boilerplate, an off-topic section)
            # vouches for nothing much.
            sure = np.clip((top - w.page_sure_floor) / w.page_sure_span, 0.0, 1.0)
            page = (rel * sure * gist_weights).max(axis=0).astype(np.float32)
        base = w.hits * hits + w.found * found + w.keyword * best + w.support * top3 + w.page * page
        # Stable order: score, then topic id, so equal content always gives the same answer.
        order = np.lexsort((self._ids, -base))
        rows = [int(r) for r in order[: max(CANDIDATES, limit)] if base[r] > 0]
        if not rows:
            return []
        # The general topic of every audience variant is scored too (it caps the variant).
        rows += sorted({self._parent[r] for r in rows if self._parent[r] >= 0} - set(rows))
        present = set(profile.word_counts)
        top_words = [s for s, _ in profile.word_counts.most_common(PAGE_WORDS) if s not in STOPWORDS]
        page_vectors = self._embedder.embed(top_words) if top_words else None
        scored: list[tuple[float, int]] = []
        for row in rows:
            core = max(self._word_evidence(self.core_stems[row], present, page_vectors, w),
                       float(phrase_evidence[row]), float(page[row]))
            factor = w.coverage_floor + (1 - w.coverage_floor) * core
            if self.qualifier_keys[row]:
                factor *= w.variant * (w.qualifier_floor + (1 - w.qualifier_floor) * self._audience(row, profile))
            scored.append((float(base[row]) * factor, row))
        # Consumer and business topics rarely mix on one site: the type that dominates the
        # strongest candidates keeps its scores, the other loses up to (1 - TYPE_FLOOR).
        strongest = sorted(scored, reverse=True)[:TYPE_SAMPLE]
        mass = sum(score for score, _ in strongest) or 1.0
        share: dict[str, float] = defaultdict(float)
        for score, row in strongest:
            share[self.topics[row].type] += score / mass
        scored = [(score * (TYPE_FLOOR + (1 - TYPE_FLOOR) * share[self.topics[row].type]), row)
                  for score, row in scored]
        # A topic for one audience is part of its general topic: it never ranks above it.
        by_row = {row: score for score, row in scored}
        scored = [
            (min(score, PARENT_CAP * by_row.get(self._parent[row], 0.0)) if self._parent[row] >= 0 else score, row)
            for score, row in scored
        ]
        scored.sort(key=lambda sr: (-sr[0], int(self._ids[sr[1]])))
        out: list[Match] = []
        variants: Counter[str] = Counter()
        for score, row in scored:
            if self.qualifier_keys[row]:
                # Ten "Live Chat Software for <audience>" would crowd out everything else.
                general = " ".join(self.core_stems[row])
                if variants[general] >= MAX_VARIANTS:
                    continue
                variants[general] += 1
            out.append(Match(self.topics[row], round(min(max(score, 0.0), 1.0), 4),
                             self._explain(row, phrases, fused, hit_phrase, profile)))
            if len(out) == limit:
                break
        return out

    def _audience(self, row: int, profile: PageProfile) -> float:
        """0..1: how prominent the audience of an "X for <audience>" topic is on the site."""
        found = profile.prominence.get(self.qualifier_keys[row], 0.0)
        stems = self.qualifier_stems[row]
        if stems:
            # Every telling word of the audience must be there ("property management" is not
            # evidenced by "contact management").
            found = max(found, min(profile.prominence.get(s, 0.0) for s in stems))
        return min(1.0, found / AUDIENCE_FULL)

    def _explain(self, row: int, phrases: list[Keyphrase], fused: Scores, hit_phrase: dict[int, str],
                 profile: PageProfile) -> str:
        """The site's phrase that best explains a topic: a name or keyword of it found on the
        site, else the keyphrase that matched it best."""
        key = hit_phrase.get(row)
        if key is not None:
            return profile.surface.get(key, key)
        if phrases:
            k = int(np.argmax(fused[:, row]))
            if fused[k, row] > 0:
                return phrases[k].text
        return _best_word(self.core_stems[row], profile)


def _best_word(names: list[str], profile: PageProfile) -> str:
    """A page word shared with the topic name, else the site's top keyphrase."""
    for s in names:
        if s in profile.word_counts:
            return s
    return profile.keyphrases[0].text if profile.keyphrases else ""


def page_words(texts: Sequence[str]) -> Counter[str]:
    """Stems of the site's words (all but joiners, as topic names are read), counted."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(name_stems(text))
    return counts
