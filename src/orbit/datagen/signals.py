"""Daily intent signals: Zipf-like topic popularity, persistent interests, surging topics.

A person's interests are drawn once from the seed; each day decides which of them fire and with
what score. A day's rows depend only on (seed, scale, date), not on how many days are generated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

INTERESTS_PER_PERSON = 33.0  # mean; about half fire on a given day -> ~30M rows/day at scale 1
BASE_ACTIVITY = 0.5
FOCUS_SHARE = 0.6  # interests drawn from a person's focus groups (related topics co-occur)
FOCUS_GROUPS = 2


@dataclass(frozen=True, slots=True)
class Interests:
    """Who is interested in which topic (index into the topic list), and how strongly."""

    person_id: np.ndarray  # uint32
    topic_idx: np.ndarray  # uint16/uint32 index into `topic_ids`
    base: np.ndarray  # float32 base score
    phase: np.ndarray  # float32 0..1, where this interest sits in its weekly wave
    topic_ids: np.ndarray  # uint32
    surge_center: np.ndarray  # float64 phase of each topic's surge (days)
    surge_period: np.ndarray  # float64 days between surges
    surge_width: np.ndarray  # float64
    surge_amp: np.ndarray  # float64, 0 for steady topics, < 0 for topics that fade


def _zipf_weights(n: int, rng: np.random.Generator) -> np.ndarray:
    """Popularity by a shuffled rank: a few topics are huge, most are small."""
    ranks = rng.permutation(n).astype(np.float64)
    # Offset 50: the ten biggest topics reach about a third of people on a day (a broad
    # 10-topic audience of ~650k at scale 1, as Orbit's own figures suggest).
    w: np.ndarray = 1.0 / (ranks + 50.0) ** 1.05
    out: np.ndarray = w / w.sum()
    return out


def _grouped_sampler(weights: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Topics in (group, index) order and a key that rises from g to g + 1 through group g by
    cumulative weight, so `searchsorted(key, g + u)` draws a topic of group g by weight."""
    order = np.lexsort((np.arange(len(group)), group))
    g = group[order]
    w = weights[order]
    cum = np.cumsum(w)
    starts = np.searchsorted(g, np.arange(g.max() + 1 if len(g) else 0))
    before = np.concatenate([[0.0], cum])[starts][g]  # weight of every group before g
    totals = np.bincount(g, weights=w, minlength=len(starts))
    key = g + (cum - before) / np.maximum(totals[g], 1e-12)
    return order, key


def build_interests(
    seed: int, person_is_b2b: np.ndarray, topic_ids: np.ndarray, topic_is_b2b: np.ndarray,
    topic_group: np.ndarray | None = None,
) -> Interests:
    """Draw every person's interests; B2B people lean to B2B topics and vice versa.

    With `topic_group` (an integer per topic, e.g. its industry), each person also has two
    focus groups and most of their interests come from them, so related topics co-occur.
    """
    rng = np.random.default_rng([seed, 21])
    n_persons = len(person_is_b2b)
    n_topics = len(topic_ids)
    popularity = _zipf_weights(n_topics, rng)
    b2b_w = np.where(topic_is_b2b, popularity, popularity * 0.25)
    b2c_w = np.where(topic_is_b2b, popularity * 0.25, popularity)
    counts = rng.poisson(INTERESTS_PER_PERSON, size=n_persons)
    person = np.repeat(np.arange(1, n_persons + 1, dtype=np.uint32), counts)
    b2b_rows = np.repeat(person_is_b2b.astype(bool), counts)
    topic = np.empty(len(person), dtype=np.uint32)
    topic[b2b_rows] = rng.choice(n_topics, size=int(b2b_rows.sum()), p=b2b_w / b2b_w.sum())
    topic[~b2b_rows] = rng.choice(n_topics, size=int((~b2b_rows).sum()), p=b2c_w / b2c_w.sum())
    if topic_group is not None and n_topics:
        group = np.unique(topic_group, return_inverse=True)[1].astype(np.int64)
        n_groups = int(group.max()) + 1
        focus_rows = rng.random(len(person)) < FOCUS_SHARE
        for is_b2b, weights in ((True, b2b_w), (False, b2c_w)):
            mass = np.bincount(group, weights=weights, minlength=n_groups)
            people = np.flatnonzero(person_is_b2b.astype(bool) == is_b2b)
            focus = rng.choice(n_groups, size=(len(people), FOCUS_GROUPS), p=mass / mass.sum())
            rows = np.flatnonzero(focus_rows & (b2b_rows == is_b2b))
            if not len(rows):
                continue
            # person ids are 1-based and dense: person - 1 indexes person_is_b2b.
            slot = np.searchsorted(people, person[rows].astype(np.int64) - 1)
            g = focus[slot, rng.integers(0, FOCUS_GROUPS, size=len(rows))]
            order, key = _grouped_sampler(weights, group)
            pick = np.searchsorted(key, g + rng.random(len(rows)) * (1 - 1e-9))
            topic[rows] = order[np.minimum(pick, n_topics - 1)].astype(np.uint32)
    # One interest per (person, topic): a person does not research the same topic twice a day.
    # (np.unique is ~100x slower than sort + neighbour compare on this many keys.)
    key = np.sort(person.astype(np.uint64) << np.uint64(20) | topic.astype(np.uint64))
    if len(key):
        first = np.empty(len(key), dtype=bool)
        first[0] = True
        np.not_equal(key[1:], key[:-1], out=first[1:])
        key = key[first]
    person = (key >> np.uint64(20)).astype(np.uint32)
    topic = (key & np.uint64((1 << 20) - 1)).astype(np.uint32)
    base = (35.0 + 62.0 * rng.beta(2.2, 2.0, size=len(key))).astype(np.float32)
    phase = rng.random(len(key)).astype(np.float32)
    # A third of the topics surge (or fade: negative amplitude) every few weeks.
    surging = rng.random(n_topics) < 0.35
    return Interests(
        person_id=person,
        topic_idx=topic,
        base=base,
        phase=phase,
        topic_ids=topic_ids.astype(np.uint32),
        surge_center=rng.uniform(0, 60, size=n_topics),
        surge_period=rng.uniform(20, 60, size=n_topics),
        surge_width=rng.uniform(1.5, 4.0, size=n_topics),
        surge_amp=np.where(surging, rng.uniform(-0.85, 2.5, size=n_topics), 0.0),
    )


def topic_multiplier(interests: Interests, day: date) -> np.ndarray:
    """How much more active each topic is on `day` than usual (1.0 = normal)."""
    t = float(day.toordinal())
    offset = np.mod(t - interests.surge_center, interests.surge_period)
    dist = np.minimum(offset, interests.surge_period - offset)
    mult: np.ndarray = 1.0 + interests.surge_amp * np.exp(-((dist / interests.surge_width) ** 2))
    return mult


def build_day(seed: int, interests: Interests, day: date) -> pa.Table:
    """The signal rows of one day, columns as the warehouse `signals` table."""
    rng = np.random.default_rng([seed, 31, day.toordinal()])
    mult = topic_multiplier(interests, day)
    weekday_factor = 0.8 if day.weekday() >= 5 else 1.0
    p_topic = np.clip(BASE_ACTIVITY * weekday_factor * mult, 0.0, 0.97)
    active = rng.random(len(interests.person_id)) < p_topic[interests.topic_idx]
    idx = np.flatnonzero(active)
    topic_idx = interests.topic_idx[idx]
    # Scores drift on a weekly wave around each interest's base and rise while a topic surges.
    wave = 9.0 * np.sin(2 * np.pi * (day.toordinal() / 7.0 + interests.phase[idx]))
    noise = rng.normal(0.0, 4.0, size=len(idx))
    boost = 6.0 * (mult[topic_idx] - 1.0)
    score = np.clip(np.rint(interests.base[idx] + wave + noise + boost), 0, 99).astype(np.uint8)
    signal_count = (1 + rng.poisson(score.astype(np.float64) / 33.0)).astype(np.uint16)
    n = len(idx)
    return pa.table(
        {
            "data_date": pa.array(np.full(n, np.datetime64(day, "D"))).cast(pa.date32()),
            "topic_id": pa.array(interests.topic_ids[topic_idx]),
            "score": pa.array(score),
            "person_id": pa.array(interests.person_id[idx]),
            "signal_count": pa.array(signal_count),
        }
    )
