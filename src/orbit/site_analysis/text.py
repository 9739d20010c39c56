"""Word handling shared by keyword extraction and topic matching: tokens, stems, stopwords."""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"[a-z0-9]+(?:[-&+][a-z0-9]+)*\+*")
# Split points for phrases: punctuation that ends a thought.
_BREAK = re.compile(r"[.,;:!?()\[\]{}\"“”|/\\•·—–…<>=*#@~^%]|\s-\s|\n")

_DURATION = re.compile(r"^\d+-")  # "14-day", "24-hour": offers, not subjects
# Calls to action found on most sites; removed before phrases are formed.
_BOILERPLATE = re.compile(
    r"\b(?:start (?:your |a )?free trial|free trial|try (?:it )?free|book a demo|request a demo|get a demo"
    r"|sign (?:in|up)|log (?:in|out)|contact us|learn more|get started|all rights reserved)\b"
)

STOPWORDS = frozenset(
    ["a", "about", "above", "after", "again", "against", "all", "almost", "along", "already", "also", "although", "always", "am", "among", "an", "and", "any", "anyone", "anything", "are", "around", "as", "at", "away", "back", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "cannot", "could", "did", "do", "does", "doing", "done", "down", "during", "each", "either", "else", "enough", "etc", "even", "ever", "every", "few", "for", "from", "further", "get", "gets", "getting", "give", "given", "gives", "go", "goes", "going", "got", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how", "however", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "least", "less", "let", "like", "make", "makes", "making", "many", "may", "me", "might", "more", "most", "much", "must", "my", "need", "needs", "never", "no", "nor", "not", "now", "of", "off", "often", "on", "once", "one", "only", "onto", "or", "other", "others", "our", "ours", "ourselves", "out", "over", "own", "per", "put", "rather", "really", "same", "see", "seen", "several", "shall", "she", "should", "since", "so", "some", "something", "such", "than", "that", "the", "their", "theirs", "them", "then", "there", "these", "they", "thing", "things", "this", "those", "though", "through", "thus", "to", "together", "too", "toward", "under", "until", "up", "upon", "us", "use", "used", "uses", "using", "very", "via", "want", "was", "way", "ways", "we", "well", "were", "what", "whatever", "when", "where", "whether", "which", "while", "who", "whom", "whose", "why", "will", "with", "within", "without", "would", "yet", "you", "your", "yours", "yourself", "yourselves", "'s", "re", "ve", "ll", "don", "t", "s", "click", "learn", "read", "sign", "log", "login", "logout", "signup", "register", "subscribe", "menu", "checkout", "cookie", "cookies", "privacy", "policy", "terms", "conditions", "copyright", "rights", "reserved", "inc", "llc", "ltd", "corp", "gmbh", "today", "now", "new", "newest", "latest", "best", "great", "better", "easy", "easier", "simple", "simply", "quick", "quickly", "faster", "free", "start", "started", "demo", "request", "try", "view", "let's", "here's", "what's", "it's", "we're", "you're", "we'll", "you'll", "don't", "can't", "won't", "isn't", "aren't", "help", "helps", "helping", "helped", "lets", "bring", "brings", "keep", "keeps", "take", "takes", "turn", "turns", "gets", "works", "built", "designed", "made", "based", "including", "include", "includes", "provide", "provides", "providing", "offer", "want", "wants", "ready", "actually", "whole", "minute", "minutes", "day", "days", "week", "weeks", "month", "months", "year", "years", "second", "last", "next", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "hundred", "thousand", "million", "x", "lot", "lots", "kind", "anywhere", "everything", "everyone", "everywhere", "nothing", "someone"]
)


def stem(word: str) -> str:
    """A light English stem that folds plurals and possessives ("companies" → "company")."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "xes", "ches", "shes", "zes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is", "ous", "ics")):
        return w[:-1]
    return w


def words(text: str) -> list[str]:
    """Lower-case word tokens ("e-signature", "k-12" and "c++" stay whole)."""
    return _WORD.findall(text.lower().replace("’", "'").replace("'s ", " "))


def stems(text: str) -> list[str]:
    return [stem(w) for w in words(text)]


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry meaning (no stopwords, no bare numbers)."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and not w.isdigit()]


# Only these words are left out when a topic name is compared word by word with a site:
# "Day Trips" needs "day" as much as "trips".
NAME_STOPWORDS = frozenset(["a", "an", "and", "or", "of", "the", "for", "in", "on", "to", "with", "by", "&", "vs"])


def name_stems(text: str) -> list[str]:
    """Stems of every word of a name except joiners ("and", "of", "for", ...)."""
    return [stem(w) for w in words(text) if w not in NAME_STOPWORDS and not w.isdigit()]


def phrase_key(text: str) -> str:
    """The form phrases are compared in: content stems joined by spaces."""
    return " ".join(content_stems(text))


def chunks(text: str) -> Iterable[list[str]]:
    """Runs of content words between punctuation and stopwords: the places phrases can live."""
    text = _BOILERPLATE.sub(" . ", text.lower().replace("’", "'"))
    for part in _BREAK.split(text):
        run: list[str] = []
        for w in _WORD.findall(part):
            if w in STOPWORDS or w.isdigit() or len(w) < 2 or _DURATION.match(w):
                if run:
                    yield run
                run = []
            else:
                run.append(w)
        if run:
            yield run
