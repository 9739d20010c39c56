"""The topic inventory held in memory: lookups, filters, facets and autocomplete. No I/O."""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from orbit.warehouse.topics import TopicRow

_WORD = re.compile(r"[a-z0-9]+")
# Topic search by meaning: query → {topic id: cosine} for the topics nearest it.
Neighbours = Callable[[str], Mapping[int, float]]
SEMANTIC_FLOOR = 0.30  # a topic found by meaning alone needs at least this cosine
_QUERY_STOPWORDS = frozenset(
    ["a", "an", "and", "are", "at", "be", "by", "can", "do", "for", "from", "get", "how", "i", "in", "is", "it", "me", "my", "of", "on", "or", "our", "the", "to", "we", "what", "who", "with", "you", "your"]
)
# What a lexical match adds to a topic's cosine when lexical and semantic candidates are merged.
_TIER_BONUS = {2: 0.30, 3: 0.20, 4: 0.12, 5: 0.08}


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@dataclass(frozen=True, slots=True)
class Facet:
    value: str
    count: int


@dataclass(frozen=True, slots=True)
class Facets:
    types: list[Facet]
    industries: list[Facet]
    categories: list[Facet]
    total: int


def _facet(values: Iterable[str]) -> list[Facet]:
    counts = Counter(v for v in values if v)
    return [Facet(v, c) for v, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


class _PrefixIndex:
    """Sorted (word, topic index) pairs: every word starting with a prefix is one bisect away."""

    def __init__(self, docs: Sequence[Iterable[str]]) -> None:
        pairs = sorted({(w, i) for i, words in enumerate(docs) for w in words})
        self._words = [w for w, _ in pairs]
        self._ids = [i for _, i in pairs]

    def matching(self, prefix: str) -> set[int]:
        lo = bisect.bisect_left(self._words, prefix)
        hi = bisect.bisect_left(self._words, prefix + "\uffff")
        return set(self._ids[lo:hi])


class Inventory:
    """Every topic, indexed for the discovery endpoints; rebuilt whole when topics change."""

    def __init__(self, topics: Sequence[TopicRow]) -> None:
        self.topics: list[TopicRow] = sorted(topics, key=lambda t: (t.name.lower(), t.topic_id))
        self.by_id: dict[int, TopicRow] = {t.topic_id: t for t in self.topics}
        self._row: dict[int, int] = {t.topic_id: i for i, t in enumerate(self.topics)}
        self._names = [_norm(t.name) for t in self.topics]
        self._keywords = [" | ".join(_norm(k) for k in t.keywords) for t in self.topics]
        self._name_index = _PrefixIndex([_words(t.name) for t in self.topics])
        self._keyword_index = _PrefixIndex(
            [[w for k in t.keywords for w in _words(k)] for t in self.topics]
        )
        self.facets = Facets(
            types=_facet(t.type for t in self.topics),
            industries=_facet(t.industry for t in self.topics),
            categories=_facet(t.category for t in self.topics),
            total=len(self.topics),
        )

    def __len__(self) -> int:
        return len(self.topics)

    def get(self, topic_id: int) -> TopicRow | None:
        return self.by_id.get(topic_id)

    def _allowed(self, i: int, type_: str | None, industry: str | None, category: str | None) -> bool:
        t = self.topics[i]
        if type_ and type_ != "both" and t.type != type_:
            return False
        if industry and t.industry.lower() != industry.strip().lower():
            return False
        return not (category and t.category.lower() != category.strip().lower())

    def _all_words(self, index: _PrefixIndex, words: list[str]) -> set[int]:
        found: set[int] | None = None
        for w in words:
            hits = index.matching(w)
            found = hits if found is None else found & hits
            if not found:
                return set()
        return found or set()

    def ranked(self, q: str) -> list[int]:
        """Indexes of topics matching `q`, best first.

        Ranks: exact name, name prefix, every query word a prefix of a name word, substring of
        the name, then keyword matches; ties go to the shorter, then alphabetically first name.
        """
        tier = self._tiers(q)
        return sorted(tier, key=lambda i: (tier[i], len(self._names[i]), self._names[i], self.topics[i].topic_id))

    def _tiers(self, q: str) -> dict[int, int]:
        ql = _norm(q)
        words = _words(q)
        tier: dict[int, int] = {}
        if not ql:
            return tier
        for i in self._all_words(self._name_index, words) if words else ():
            name = self._names[i]
            tier[i] = 0 if name == ql else 1 if name.startswith(ql) else 2
        for i, name in enumerate(self._names):
            if i not in tier and ql in name:
                tier[i] = 1 if name.startswith(ql) else 3
        for i in self._all_words(self._keyword_index, words) if words else ():
            tier.setdefault(i, 4)
        for i, kw in enumerate(self._keywords):
            if i not in tier and ql in kw:
                tier[i] = 5
        return tier

    def semantic_ranked(self, q: str, neighbours: Neighbours) -> list[int]:
        """Indexes of topics for `q`, best first: exact name, then name prefix (as `ranked`),
        then lexical and meaning-based matches merged by cosine plus a bonus for the lexical
        tier, so "pay my staff" finds Payroll Software and "crm" still finds CRM names first."""
        tier = self._tiers(q)
        cos = {self._row[tid]: c for tid, c in neighbours(q).items() if tid in self._row}
        head = sorted((i for i, t in tier.items() if t <= 1),
                      key=lambda i: (tier[i], len(self._names[i]), self._names[i], self.topics[i].topic_id))
        rest = {i for i, t in tier.items() if t > 1} | {i for i, c in cos.items() if c >= SEMANTIC_FLOOR}
        rest -= set(head)

        # A query of many words describes what it wants: its meaning counts more than the words
        # it happens to share with a name ("a homepage for my bakery" is not "Bakery Boxes").
        scale = min(1.0, 2.0 / max(1, len(set(_words(q)) - _QUERY_STOPWORDS)))

        def score(i: int) -> float:
            return cos.get(i, 0.0) + scale * _TIER_BONUS.get(tier.get(i, 9), 0.0)

        return head + sorted(rest, key=lambda i: (-score(i), len(self._names[i]), self._names[i]))

    def search(
        self, q: str, *, type_: str | None = None, industry: str | None = None, limit: int = 10,
        neighbours: Neighbours | None = None,
    ) -> list[TopicRow]:
        """Best matches first; with `neighbours`, topics found by meaning join the lexical ones."""
        out: list[TopicRow] = []
        for i in self.semantic_ranked(q, neighbours) if neighbours is not None else self.ranked(q):
            if self._allowed(i, type_, industry, None):
                out.append(self.topics[i])
                if len(out) == limit:
                    break
        return out

    def browse(
        self,
        *,
        type_: str | None = None,
        industry: str | None = None,
        category: str | None = None,
        q: str | None = None,
    ) -> list[TopicRow]:
        """Topics passing every filter, in name order (`q` matches names and keywords)."""
        hits = sorted(self.ranked(q)) if q and q.strip() else list(range(len(self.topics)))
        return [self.topics[i] for i in hits if self._allowed(i, type_, industry, category)]
