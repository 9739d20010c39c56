"""Topic matching by passages: a sentence-embedding model reads each passage of a site, proposes
the topics nearest its meaning, and a few rules that know the inventory rank them.

- Meaning first: a passage's vector against each topic's "name: description" vector. Words
  found verbatim (a topic's name or keyword phrase) add a little, and only where the meaning
  already agrees, so "warehouse" in "cloud data warehouse" does not pull in warehouse management.
- Specific beats generic: a topic whose name is contained in many other names ("Sales") gives way.
- Variants: a topic that is another one plus an audience ("Restaurant POS Systems" of "POS
  Systems") ranks only as far as the site names that audience; without it, never above its base.
- Diversity: the answer is picked greedily, each pick discounted by its similarity to the topics
  already picked (maximal marginal relevance), so distinct offerings beat near-duplicates.
- Confidence: how near the best topic is, in the model's own cosine, says whether to trust it.

A `TopicIndex` is built once per inventory and kept in memory; its topic vectors are cached on
disk keyed by a hash of the inventory text and the model, so no request embeds the catalogue.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import tempfile
import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
import numpy.typing as npt

from orbit.site_analysis.embedding import MODEL_ID, Embedder, Vectors
from orbit.site_analysis.extract import clip
from orbit.site_analysis.keywords import Keyphrase, Lexicon
from orbit.site_analysis.passages import Passage
from orbit.site_analysis.text import chunks, content_stems, name_stems, phrase_key, stem
from orbit.warehouse.topics import TopicRow

log = logging.getLogger("orbit.site_analysis")

Scores = npt.NDArray[np.float32]
MAX_NGRAM = 4
PER_PASSAGE = 12  # topics each passage proposes
EVIDENCE_CHARS = 240
PHRASE_WORDS = 4  # keywords this long are plain descriptions, embedded on their own
# What is embedded per topic (see topic_texts); part of the vector cache key.
VECTOR_LAYOUT = f"name+4 keywords | description | keywords of {PHRASE_WORDS}+ words"
# Words that name the form of an offering, not its subject.
FORM_WORDS = frozenset([
    "software", "service", "system", "platform", "tool", "solution", "management", "product", "app",
    "application", "provider", "program", "technology",
])
# Audiences and verticals a variant can be made for: they tell "Restaurant POS Systems" (a
# variant) from "Sales Forecasting" (a subject of its own). Kinds of organizations and people
# only: functions ("sales", "engineers") name what a topic is about, not for whom.
AUDIENCE_WORDS = frozenset(stem(w) for w in ["small", "business", "businesses", "smb", "smbs", "midsize", "mid-market", "enterprise", "enterprises", "startup", "startups", "freelancer", "freelancers", "solopreneur", "self-employed", "contractor", "contractors", "agency", "agencies", "nonprofit", "nonprofits", "non-profit", "charity", "charities", "church", "churches", "ministry", "school", "schools", "k-12", "college", "colleges", "university", "universities", "campus", "student", "students", "teacher", "teachers", "government", "public", "sector", "municipal", "city", "cities", "state", "federal", "military", "restaurant", "restaurants", "cafe", "cafes", "bar", "bars", "hotel", "hotels", "hospitality", "salon", "salons", "spa", "spas", "barbershop", "gym", "gyms", "fitness", "studio", "studios", "dental", "dentist", "dentists", "orthodontist", "medical", "physician", "physicians", "doctor", "doctors", "clinic", "clinics", "hospital", "hospitals", "healthcare", "health", "pharmacy", "pharmacies", "veterinary", "vet", "vets", "law", "legal", "lawyer", "lawyers", "attorney", "attorneys", "firm", "firms", "accountant", "accountants", "accounting", "cpa", "bookkeeper", "bookkeepers", "construction", "builder", "builders", "homebuilder", "real", "estate", "realtor", "realtors", "broker", "brokers", "brokerage", "property", "properties", "landlord", "landlords", "apartment", "multifamily", "retail", "retailer", "retailers", "store", "stores", "shop", "shops", "ecommerce", "e-commerce", "manufacturing", "manufacturer", "manufacturers", "factory", "plant", "warehouse", "distributor", "distributors", "wholesale", "logistics", "trucking", "fleet", "fleets", "carrier", "carriers", "farm", "farms", "farmer", "farmers", "agriculture", "winery", "wineries", "brewery", "breweries", "insurance", "insurer", "insurers", "agent", "agents", "bank", "banks", "credit", "union", "unions", "lender", "lenders", "mortgage", "automotive", "auto", "dealer", "dealers", "dealership", "dealerships", "homeowner", "homeowners", "family", "families", "kid", "kids", "parent", "parents", "senior", "seniors", "wedding", "weddings", "photographer", "photographers", "creator", "creators", "musician", "musicians", "artist", "artists", "recruiter", "recruiters", "staffing", "utility", "utilities", "energy", "oil", "gas", "mining", "telecom", "media", "publisher", "publishers", "association", "associations", "club", "clubs", "hoa"])
LEXICAL = 0.25  # a topic name or keyword phrase found in a passage, in cosine units
LEXICAL_GATE = (0.20, 0.15)  # the bonus fades in as the passage's cosine goes from 0.20 to 0.35
NAME_STRENGTH, PHRASE_STRENGTH, WORD_STRENGTH = 1.0, 0.7, 0.25
SUPPORT = 0.25  # share of a topic's second-best passage added to its best
CENTROID = 0.5  # share of the topic's cosine with the whole site (the passages' weighted mean)
GENERIC = 0.035  # cosine taken off per doubling of the topics that refine a topic's name ...
GENERIC_FREE = 3.0  # ... past the first 2**3 - 1 of them
VARIANT_FLOOR = 0.55  # a variant whose audience the site never names keeps this share
VARIANT_CAP = 0.98  # ... and never outranks its base unless the site leads with that audience
LEAD_PASSAGES = 2  # the home page's title with description, and its hero
TYPE_SAMPLE = 10  # strongest candidates whose B2B/B2C mix sets the site's type
TYPE_FLOOR = 0.75  # a topic of the site's other type keeps this share
CATEGORY_FLOOR = 0.85  # a topic of a category absent from the strongest candidates keeps this share
INDUSTRY_FLOOR = 0.8  # ... and of an industry absent from them
COHERENCE_ANCHORS = 5  # strongest candidates that set the site's field
COHERENCE_FLOOR = 0.7  # a topic unlike all of them keeps this share
COHERENCE_SPAN = (0.2, 0.4)  # its mean cosine with its two nearest anchors: from no to full coherence
MMR_LAMBDA = 0.2  # how much similarity to an already picked topic costs
MMR_FLOOR = 0.55  # topic-topic cosines below this are not redundancy
SIMILARITY_FLOOR, SIMILARITY_SPAN = 0.15, 1.0  # score → similarity 0..1
CONFIDENCE = (0.38, 0.50)  # best cosine below the first: low confidence; above the second: high


@dataclass(frozen=True, slots=True)
class Match:
    topic: TopicRow
    similarity: float  # 0..1
    matched_keyword: str
    evidence: str  # the passage of the site that matched, trimmed


@dataclass(frozen=True, slots=True)
class Answer:
    matches: list[Match]
    confidence: str  # "high", "medium" or "low"
    best_cosine: float  # the model's cosine between the best topic and its passage


def inventory_key(topics: Sequence[TopicRow]) -> str:
    """A hash of everything matching reads from the inventory (in id order), plus the embedding
    model and what is embedded per topic."""
    digest = hashlib.sha256(f"{MODEL_ID}\x1d{VECTOR_LAYOUT}".encode())
    for t in sorted(topics, key=lambda t: t.topic_id):
        digest.update(f"\x1e{t.topic_id}\x1f{t.name}\x1f{t.description}\x1f{'|'.join(t.keywords)}".encode())
    return digest.hexdigest()[:32]


def topic_texts(t: TopicRow) -> tuple[str, str]:
    """The two texts a topic is embedded as: its name with its first keywords (how pages that use
    the category's words say it), and its plain description alone (how pages that avoid them do:
    the name and jargon pull a description's vector away from everyday wording)."""
    keywords = [k for k in t.keywords if k.casefold() != t.name.casefold()][:4]
    tail = f" ({', '.join(keywords)})" if keywords else ""
    return f"{t.name}{tail}", t.description or t.name


class BuildCancelled(Exception):
    """The process is shutting down: a topic index being built is abandoned."""


EMBED_CHUNK = 512  # texts embedded between checks for cancellation


def _embed_all(texts: list[str], embedder: Embedder, cancel: threading.Event | None) -> Vectors:
    parts: list[Vectors] = []
    for start in range(0, len(texts), EMBED_CHUNK):
        if cancel is not None and cancel.is_set():
            raise BuildCancelled
        parts.append(embedder.embed(texts[start : start + EMBED_CHUNK]))
    return np.concatenate(parts) if parts else embedder.embed([])


def _load_or_embed(path: Path | None, texts: list[str], embedder: Embedder,
                   cancel: threading.Event | None = None) -> npt.NDArray[np.float16]:
    """The texts' vectors as float16 (how they are cached), from the cache file when it holds them.
    The file is memory-mapped: callers convert only the slices they keep."""
    if path is not None and path.exists():
        try:
            cached: npt.NDArray[np.float16] = np.load(path, allow_pickle=False, mmap_mode="r")
            if cached.shape[0] == len(texts) and cached.dtype == np.float16:
                return cached
        except (OSError, ValueError):
            log.warning("ignoring an unreadable topic-vector cache at %s", path)
    # Stored as float16; fresh vectors get the same rounding, so answers do not change when a
    # restart reads them back.
    vectors: npt.NDArray[np.float16] = _embed_all(texts, embedder, cancel).astype(np.float16)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename, so a concurrent reader never sees half a file.
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npy.tmp")
            with os.fdopen(fd, "wb") as fh:
                np.save(fh, vectors)
            os.replace(tmp, path)
        except OSError:
            log.warning("could not cache topic vectors at %s; they are recomputed after a restart", path)
    return vectors


def _ngram_keys(text: str) -> dict[str, str]:
    """Every 1..4-word phrase of a text as `phrase_key` → how the text wrote it."""
    out: dict[str, str] = {}
    for run in chunks(text):
        run_stems = [stem(w) for w in run]
        for n in range(1, MAX_NGRAM + 1):
            for j in range(len(run) - n + 1):
                out.setdefault(" ".join(run_stems[j : j + n]), " ".join(run[j : j + n]))
    return out


class TopicIndex:
    """Everything about one inventory that matching needs, computed once."""

    def __init__(self, topics: Sequence[TopicRow], embedder: Embedder, *, cache_dir: Path | None = None,
                 cancel: threading.Event | None = None) -> None:
        # In id order, however the caller sorted them: one cache file per inventory.
        self.topics = sorted(topics, key=lambda t: t.topic_id)
        self.key = inventory_key(self.topics)
        self.embedder = embedder
        n = len(self.topics)
        self._ids = np.asarray([t.topic_id for t in self.topics], dtype=np.int64)
        self._b2b = np.asarray([t.type == "b2b" for t in self.topics], dtype=bool)
        # Names and keywords as phrase keys → (row, strength).
        self._phrase_rows: dict[str, list[tuple[int, float]]] = defaultdict(list)
        df: Counter[str] = Counter()
        for row, t in enumerate(self.topics):
            # Plain phrases ("pay my staff on time") are matched by meaning, not verbatim.
            strengths = {phrase_key(k): PHRASE_STRENGTH if len(content_stems(k)) > 1 else WORD_STRENGTH
                         for k in t.keywords if len(k.split()) < PHRASE_WORDS}
            strengths[phrase_key(t.name)] = NAME_STRENGTH
            for key, strength in strengths.items():
                if key:
                    self._phrase_rows[key].append((row, strength))
            df.update(set(content_stems(" ".join([t.name, *t.keywords, t.description]))))
        self.lexicon = Lexicon(doc_freq=dict(df), n_docs=n, known_phrases=frozenset(self._phrase_rows))
        # A name's subject: its words less those naming the form of an offering ("software").
        self._cores = [frozenset(name_stems(t.name)) - FORM_WORDS for t in self.topics]
        self._base, self._audience = self._variants()
        self._generic = self._generality()
        path = cache_dir / f"topic-vectors-{self.key}.npy" if cache_dir is not None else None
        texts = [text for t in self.topics for text in topic_texts(t)]
        # Plain phrases among the keywords ("pay my staff on time"): more ways to say the topic.
        phrases = [(row, k) for row, t in enumerate(self.topics) for k in t.keywords if len(k.split()) >= PHRASE_WORDS]
        every = _load_or_embed(path, texts + [k for _, k in phrases], embedder, cancel)
        n2 = 2 * len(self.topics)
        # Contiguous float32 copies (BLAS reads them directly; strided views would be copied per call).
        self.vectors: Vectors = every[0:n2:2].astype(np.float32)  # name and keywords; also for diversity
        self.desc_vectors: Vectors = every[1:n2:2].astype(np.float32)
        self._phrase_vectors: Vectors = every[n2:].astype(np.float32)
        del every
        owners = np.asarray([row for row, _ in phrases], dtype=np.int64)
        # Phrases are listed topic by topic: each topic's run starts where its owner changes.
        self._phrase_starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]]) if len(owners) else owners
        self._phrase_owners = owners[self._phrase_starts] if len(owners) else owners

    def _variants(self) -> tuple[list[int], list[frozenset[str]]]:
        """For each topic, the row of the topic it is a variant of (-1 for none) and the stems
        naming the variant's audience: a topic whose subject words are another's plus audience
        words ("Automotive CRM" of "CRM Software", "Restaurant POS Systems" of "POS Systems")."""
        by_core: dict[frozenset[str], int] = {}
        for row, core in enumerate(self._cores):
            if core and (core not in by_core or len(self.topics[row].name) < len(self.topics[by_core[core]].name)):
                by_core[core] = row
        base = [-1] * len(self.topics)
        extra: list[frozenset[str]] = [frozenset()] * len(self.topics)
        for row, core in enumerate(self._cores):
            if len(core) < 2 or len(core) > 7:
                continue
            for size in range(len(core) - 1, 0, -1):
                found = [frozenset(sub) for sub in combinations(sorted(core), size) if frozenset(sub) in by_core]
                found = [f for f in found if by_core[f] != row and core - f <= AUDIENCE_WORDS]
                if found:
                    best = min(found, key=lambda f: by_core[f])
                    base[row] = by_core[best]
                    extra[row] = frozenset(core - best)
                    break
        return base, extra

    def _generality(self) -> Scores:
        """Per topic, the cosine taken off for being generic: log2 of 1 + the number of other
        topics that refine its subject ("Sales" ⊂ "Sales Forecasting"); audience variants
        ("Small Business CRM Software") do not make a topic generic."""
        by_core: dict[frozenset[str], list[int]] = defaultdict(list)
        for row, core in enumerate(self._cores):
            if core:
                by_core[core].append(row)
        refined: Counter[int] = Counter()
        for core in self._cores:
            if len(core) > 7:
                continue
            for size in range(1, len(core)):
                for sub in combinations(sorted(core), size):
                    fs = frozenset(sub)
                    if fs in by_core and not (core - fs) <= AUDIENCE_WORDS:
                        for parent in by_core[fs]:
                            refined[parent] += 1
        out = np.zeros(len(self.topics), dtype=np.float32)
        for row, count in refined.items():
            # A few refinements are normal for a good topic ("Data Warehousing"); dozens make a
            # heading, not a subject ("Sales", "Email").
            out[row] = GENERIC * max(0.0, math.log2(1 + count) - GENERIC_FREE)
        return out

    def _lexical(self, passages: Sequence[Passage]) -> tuple[dict[tuple[int, int], float], dict[tuple[int, int], str]]:
        """(passage, row) → bonus strength 0..1 for topic phrases found in the passage, and the
        phrase as written there."""
        strength: dict[tuple[int, int], float] = {}
        written: dict[tuple[int, int], str] = {}
        top = math.log(1 + max(self.lexicon.n_docs, 1))
        for p, passage in enumerate(passages):
            for key, surface in _ngram_keys(passage.text).items():
                rows = self._phrase_rows.get(key)
                if not rows:
                    continue
                parts = key.split()
                spec = min(1.0, sum(self.lexicon.idf(x) for x in parts) / len(parts) / top * (1 + 0.3 * (len(parts) - 1)))
                for row, s in rows:
                    value = s * spec
                    if value > strength.get((p, row), 0.0):
                        strength[(p, row)] = value
                        written[(p, row)] = surface
        return strength, written

    def match(self, passages: Sequence[Passage], keyphrases: Sequence[Keyphrase], *,
              site_words: Iterable[str], limit: int) -> Answer:
        """The `limit` best topics for a site, best first, with similarity 0..1, the phrase and
        passage that explain each, and the answer's confidence. Deterministic."""
        if not passages or not self.topics:
            return Answer([], "low", 0.0)
        texts = [p.text for p in passages]
        pv = self.embedder.embed(texts)
        # A passage is as near a topic as it is to either of its texts.
        cos = self._cosines(pv)  # passages x topics
        weights = np.asarray([p.weight for p in passages], dtype=np.float32)[:, None]
        lex, lex_written = self._lexical(passages)
        gate_lo, gate_span = LEXICAL_GATE
        score = cos.copy()
        for (p, row), s in lex.items():
            gate = min(max((cos[p, row] - gate_lo) / gate_span, 0.0), 1.0)
            score[p, row] += LEXICAL * s * gate
        score *= weights
        # Each passage proposes its best topics; the union is what gets ranked.
        k = min(PER_PASSAGE, score.shape[1])
        proposed = np.argpartition(-score, k - 1, axis=1)[:, :k]
        rows = np.unique(proposed)
        rows = np.union1d(rows, [b for b in (self._base[r] for r in rows) if b >= 0]).astype(np.int64)
        sub = score[:, rows]
        order = np.sort(sub, axis=0)
        best = order[-1]
        second = order[-2] if len(passages) > 1 else np.zeros_like(best)
        # The whole site's direction: its main offering lies nearest it, a side section further.
        centroid = (pv * weights).sum(axis=0)
        centroid /= max(float(np.linalg.norm(centroid)), 1e-9)
        site_cos = np.maximum(self.vectors[rows] @ centroid, self.desc_vectors[rows] @ centroid)
        total = best + SUPPORT * np.maximum(second, 0.0) + CENTROID * site_cos - self._generic[rows]
        at = np.argmax(sub, axis=0)  # the passage that explains each candidate
        values = {int(r): float(v) for r, v in zip(rows, total, strict=True)}
        # Variants: as far as the site names the audience, never above the base without it.
        words = set(site_words)
        # What the site leads with: its title, description and hero (the home page's first passages).
        lead = {w for p in [q for q in passages if q.page == 0][:LEAD_PASSAGES] for w in name_stems(p.text)}
        for r in list(values):
            b = self._base[r]
            if b < 0:
                continue
            named = self._audience[r]
            share = len(named & words) / len(named) if named else 1.0
            if share < 1.0:
                values[r] *= VARIANT_FLOOR + (1 - VARIANT_FLOOR) * share
            if not named <= lead:
                # An audience mentioned in passing ("small businesses" in a footer) does not make
                # the variant the site's subject: it stays below its general topic.
                values[r] = min(values[r], VARIANT_CAP * values.get(b, values[r]))
        # The site's type: the mix of the strongest candidates; the other type gives way.
        strongest = sorted(values.items(), key=lambda kv: -kv[1])[:TYPE_SAMPLE]
        mass = sum(max(v, 0.0) for _, v in strongest) or 1.0
        b2b_share = sum(max(v, 0.0) for r, v in strongest if self._b2b[r]) / mass
        categories: defaultdict[str, float] = defaultdict(float)
        industries: defaultdict[str, float] = defaultdict(float)
        for r, v in strongest:
            categories[self.topics[r].category] += max(v, 0.0) / mass
            industries[self.topics[r].industry] += max(v, 0.0) / mass
        # The site's field: the strongest candidates as anchors; a topic far from all of them
        # (charting for patients on a data site) is probably a word's other sense.
        anchors = self.vectors[[r for r, _ in strongest[:COHERENCE_ANCHORS]]]
        for r in values:
            share = b2b_share if self._b2b[r] else 1.0 - b2b_share
            values[r] *= TYPE_FLOOR + (1 - TYPE_FLOOR) * min(1.0, 2 * share)
            # What the site is (a software vendor, a shop, a clinic) shows in the kind of topics
            # its strongest matches are; topics of other kinds give way a little.
            values[r] *= CATEGORY_FLOOR + (1 - CATEGORY_FLOOR) * min(1.0, 3 * categories[self.topics[r].category])
            values[r] *= INDUSTRY_FLOOR + (1 - INDUSTRY_FLOOR) * min(1.0, 3 * industries[self.topics[r].industry])
            if len(anchors):
                near = np.sort(anchors @ self.vectors[r])[-2:]
                coherence = float(near.mean())
                values[r] *= COHERENCE_FLOOR + (1 - COHERENCE_FLOOR) * min(max(
                    (coherence - COHERENCE_SPAN[0]) / COHERENCE_SPAN[1], 0.0), 1.0)
        picked = self._diversify(values, limit)
        col = {int(r): i for i, r in enumerate(rows)}
        kp_vectors = self.embedder.embed([kp.text for kp in keyphrases]) if keyphrases else None
        matches: list[Match] = []
        ceiling = 1.0
        for r in picked:
            p = int(at[col[r]])
            # Non-increasing in answer order: a topic picked later for diversity never shows a
            # higher similarity than one before it.
            ceiling = min(ceiling, round(min(max((values[r] - SIMILARITY_FLOOR) / SIMILARITY_SPAN, 0.0), 1.0), 4))
            matches.append(Match(
                self.topics[r],
                ceiling,
                self._explain(r, p, passages, lex_written, keyphrases, kp_vectors),
                clip(passages[p].text, EVIDENCE_CHARS),
            ))
        top_cos = float(cos[int(at[col[picked[0]]]), picked[0]]) if picked else 0.0
        level = "low" if top_cos < CONFIDENCE[0] else "high" if top_cos >= CONFIDENCE[1] else "medium"
        return Answer(matches, level, round(top_cos, 4))

    def _cosines(self, queries: Vectors) -> Scores:
        """Each query's cosine with each topic: the best of its name, its description and its
        plain phrases."""
        cos: Scores = np.maximum(queries @ self.vectors.T, queries @ self.desc_vectors.T).astype(np.float32)
        if len(self._phrase_owners):
            by_phrase = queries @ self._phrase_vectors.T
            best = np.maximum.reduceat(by_phrase, self._phrase_starts, axis=1)
            cos[:, self._phrase_owners] = np.maximum(cos[:, self._phrase_owners], best)
        return cos

    def similar(self, text: str, *, k: int = 100) -> dict[int, float]:
        """Topic id → cosine for the `k` topics nearest `text` in meaning (topic search)."""
        if not self.topics or not text.strip():
            return {}
        query = self.embedder.embed([text])[0]
        cos = self._cosines(query[None, :])[0]
        k = min(k, len(self.topics))
        top = np.argpartition(-cos, k - 1)[:k]
        return {int(self._ids[r]): float(cos[r]) for r in top}

    def _diversify(self, values: dict[int, float], limit: int) -> list[int]:
        """Greedy maximal marginal relevance over the candidates; ties to the smaller topic id."""
        ranked = sorted(values, key=lambda r: (-values[r], int(self._ids[r])))[: max(4 * limit, 40)]
        ranked = [r for r in ranked if values[r] > 0]
        if not ranked:
            return []
        vec = self.vectors[ranked]
        sim = vec @ vec.T
        penalty = np.zeros(len(ranked), dtype=np.float32)
        base = np.asarray([values[r] for r in ranked], dtype=np.float32)
        chosen: list[int] = []
        free = np.ones(len(ranked), dtype=bool)
        while len(chosen) < limit and free.any():
            gain = np.where(free, base - MMR_LAMBDA * penalty, -np.inf)
            i = int(np.argmax(gain))  # argmax takes the first: candidates are in (score, id) order
            chosen.append(ranked[i])
            free[i] = False
            redundancy = np.clip((sim[i] - MMR_FLOOR) / (1 - MMR_FLOOR), 0.0, 1.0)
            penalty = np.maximum(penalty, redundancy * base[i])
        return chosen

    def _explain(self, row: int, p: int, passages: Sequence[Passage], lex_written: dict[tuple[int, int], str],
                 keyphrases: Sequence[Keyphrase], kp_vectors: Vectors | None) -> str:
        """The site's phrase that best explains a topic: its name or keyword as written in the
        matching passage, else the site keyphrase nearest the topic (preferring those in that
        passage)."""
        written = lex_written.get((p, row)) or next(
            (lex_written[(q, row)] for q in range(len(passages)) if (q, row) in lex_written), None)
        if written is not None:
            return written
        if kp_vectors is None or not keyphrases:
            return ""
        sims = np.maximum(kp_vectors @ self.vectors[row], kp_vectors @ self.desc_vectors[row])
        text = passages[p].text.lower()
        inside = np.asarray([kp.text in text for kp in keyphrases], dtype=bool)
        pool = np.where(inside, sims + 0.1, sims)
        return keyphrases[int(np.argmax(pool))].text


_shared_lock = threading.Lock()
_shared: OrderedDict[str, TopicIndex] = OrderedDict()
_building: dict[str, threading.Lock] = {}
SHARED_INDEXES = 2


def shared_index(topics: Sequence[TopicRow], embedder: Embedder, *, cache_dir: Path | None,
                 cancel: threading.Event | None = None) -> TopicIndex:
    """The process's topic index for this inventory: built once, shared by every app in the
    process (tests start many; a server starts one), two inventories kept at most."""
    key = inventory_key(topics)
    with _shared_lock:
        if key in _shared:
            _shared.move_to_end(key)
            return _shared[key]
        lock = _building.setdefault(key, threading.Lock())
    with lock:  # a second caller waits for the first build instead of repeating it
        with _shared_lock:
            if key in _shared:
                return _shared[key]
        try:
            index = TopicIndex(topics, embedder, cache_dir=cache_dir, cancel=cancel)
        finally:
            with _shared_lock:
                _building.pop(key, None)
        with _shared_lock:
            _shared[key] = index
            while len(_shared) > SHARED_INDEXES:
                _shared.popitem(last=False)
        return index
