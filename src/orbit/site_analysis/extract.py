"""Page HTML → the text and signals site analysis uses (title, description, headings, main text,
company name candidates, same-site links). Pure CPU work: no I/O."""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import trafilatura
from selectolax.lexbor import LexborHTMLParser, LexborNode

log = logging.getLogger("orbit.site_analysis")

# Below this many characters trafilatura is thought to have dropped the page (marketing pages
# are mostly "boilerplate" to it): the selectolax text of the whole body is used instead.
MIN_MAIN_TEXT = 400
MAX_TEXT = 60_000  # characters of main text kept per page
MAX_JSON_LD = 100_000
_TITLE_SPLIT = re.compile(r"\s+[|\-–—:·•»]\s+|\s*[|–—·•»]\s*|:\s+")
_SPACE = re.compile(r"\s+")
_NOISE_TAGS = ["script", "style", "noscript", "template", "svg", "iframe", "canvas", "form", "select", "button"]
_ORG_TYPES_SKIP = frozenset(
    {
        "webpage", "article", "blogposting", "newsarticle", "product", "offer", "breadcrumblist", "listitem",
        "person", "event", "faqpage", "question", "answer", "imageobject", "videoobject", "review", "rating",
        "aggregaterating", "postaladdress", "place", "geocoordinates", "searchaction", "entrypoint",
        "howto", "recipe", "itemlist", "contactpoint", "openinghoursspecification", "sitenavigationelement",
    }
)
# Link paths worth fetching besides the home page, best first.
_PAGE_HINTS = (
    "about", "company", "who-we-are", "our-story", "product", "platform", "solutions", "services", "features",
    "what-we-do", "how-it-works", "pricing", "plans", "overview", "why",
)


@dataclass(frozen=True, slots=True)
class PageContent:
    url: str
    title: str
    description: str  # meta / Open Graph description
    headings: list[str]  # h1..h3 in document order
    body: str  # main text
    site_name: str | None  # og:site_name or application-name
    org_names: list[str]  # names of schema.org organizations described on the page
    links: list[tuple[str, str]] = field(default_factory=list)  # (absolute URL, anchor text)

    def sections(self, *, max_chars: int = 600) -> list[str]:
        """The main text cut at its headings: each heading with the text under it."""
        heads = {h.casefold() for h in self.headings}
        out: list[str] = []
        current: list[str] = []
        for line in (normalize(x) for x in self.body.split("\n")):
            if not line:
                continue
            if line.casefold() in heads and current:
                out.append(" ".join(current)[:max_chars])
                current = []
            current.append(line)
        if current:
            out.append(" ".join(current)[:max_chars])
        return [x for x in out if len(x.split()) >= 3]

    def gist(self) -> str:
        """Title, description and the first headings: what the page says it is about."""
        return " . ".join([self.title, self.description, *self.headings[:8]])

    def normalized_text(self) -> str:
        """The text this page contributes to the content hash."""
        return normalize(" \n".join([self.title, self.description, *self.headings, self.body]))


def normalize(text: str) -> str:
    """NFC with runs of whitespace collapsed to one space."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _meta(doc: LexborHTMLParser, *selectors: str) -> str:
    for sel in selectors:
        node = doc.css_first(sel)
        if node is not None:
            content = node.attributes.get("content")
            if content and content.strip():
                return normalize(content)[:1000]
    return ""


def _json_ld_items(value: object) -> Iterator[dict[str, object]]:
    if isinstance(value, list):
        for item in value:
            yield from _json_ld_items(item)
    elif isinstance(value, dict):
        yield value
        for key in ("@graph", "publisher", "provider", "brand", "organization", "author"):
            if key in value:
                yield from _json_ld_items(value[key])


def _org_names(doc: LexborHTMLParser) -> list[str]:
    names: list[str] = []
    for node in doc.css('script[type="application/ld+json"]'):
        raw = node.text()
        if not raw or len(raw) > MAX_JSON_LD:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        for item in _json_ld_items(data):
            kind = item.get("@type")
            kinds = [kind] if isinstance(kind, str) else [k for k in kind if isinstance(k, str)] if isinstance(kind, list) else []
            name = item.get("name")
            if kinds and isinstance(name, str) and name.strip() and not any(k.lower() in _ORG_TYPES_SKIP for k in kinds):
                names.append(normalize(name)[:255])
    return names


def _visible_text(doc: LexborHTMLParser) -> str:
    body = doc.body
    if body is None:
        return ""
    for node in body.css(",".join(_NOISE_TAGS)):
        node.decompose()
    return body.text(separator="\n", strip=True)


def _links(doc: LexborHTMLParser, base: httpx.URL) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for node in doc.css("a[href]"):
        href = (node.attributes.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        try:
            target = base.join(href).copy_with(fragment=None)
        except (httpx.InvalidURL, ValueError, UnicodeError):
            continue
        out.append((str(target), normalize(node.text())[:200]))
    return out


def _headings(doc: LexborHTMLParser) -> list[str]:
    found = [normalize(n.text()) for n in doc.css("h1, h2, h3")]
    return [h for h in found if h][:60]


def extract_page(html: str, url: str, *, content_type: str = "text/html") -> PageContent:
    """Everything analysis needs from one fetched page; plain text pages are the body alone."""
    if content_type == "text/plain":
        return PageContent(url, "", "", [], normalize(html)[:MAX_TEXT], None, [])
    doc = LexborHTMLParser(html)
    title_node: LexborNode | None = doc.css_first("title")
    title = normalize(title_node.text()) if title_node is not None else ""
    description = _meta(doc, 'meta[name="description"]', 'meta[property="og:description"]',
                        'meta[name="twitter:description"]')
    site_name = _meta(doc, 'meta[property="og:site_name"]', 'meta[name="application-name"]') or None
    headings = _headings(doc)
    org_names = _org_names(doc)
    links = _links(doc, httpx.URL(url))
    try:
        main = trafilatura.extract(
            html, url=url, favor_recall=True, include_comments=False, include_tables=True, deduplicate=False
        ) or ""
    except Exception:  # a parser failure on hostile markup must not fail the analysis
        log.warning("trafilatura could not extract %s; using the page text", url[:200], exc_info=True)
        main = ""
    if len(main) < MIN_MAIN_TEXT:
        # `_visible_text` edits the tree, so it runs after everything else read it.
        fallback = _visible_text(doc)
        if len(fallback) > len(main):
            main = fallback
    return PageContent(
        url=url, title=title[:500], description=description, headings=headings,
        body=main[:MAX_TEXT], site_name=site_name, org_names=org_names, links=links,
    )


def _same_site(a: httpx.URL, b: httpx.URL) -> bool:
    def bare(host: bytes) -> bytes:
        return host[4:] if host.startswith(b"www.") else host

    return a.scheme in ("http", "https") and bare(a.raw_host) == bare(b.raw_host) and a.port == b.port


def pick_extra_pages(page: PageContent, *, limit: int) -> list[str]:
    """Up to `limit` same-site pages (about, product, pricing, ...) linked from `page`, best first."""
    if limit <= 0:
        return []
    home = httpx.URL(page.url)
    ranked: dict[str, tuple[int, int]] = {}
    for order, (href, text) in enumerate(page.links):
        target = httpx.URL(href)
        if not _same_site(target, home) or target.copy_with(query=None) == home.copy_with(query=None):
            continue
        path = target.path.lower()
        if path.count("/") > 3 or path.endswith((".pdf", ".jpg", ".png", ".zip", ".xml")):
            continue
        words = f"{path} {text.lower()}"
        rank = next((i for i, hint in enumerate(_PAGE_HINTS) if hint in words), None)
        if rank is not None and href not in ranked:
            ranked[href] = (rank, order)
    chosen = sorted(ranked, key=lambda h: ranked[h])
    # One page per hint family at most, so "pricing" and "pricing/enterprise" do not both go.
    out: list[str] = []
    families: set[int] = set()
    for href in chosen:
        family = ranked[href][0]
        if family not in families:
            families.add(family)
            out.append(href)
        if len(out) == limit:
            break
    return out


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def company_name(pages: list[PageContent], host: str) -> str | None:
    """The company name as the site presents it: og:site_name, a schema.org organization, the
    part of the home page title that looks like the domain, else its first part."""
    home = pages[0]
    for candidate in (home.site_name, *home.org_names):
        if candidate and 1 <= len(candidate) <= 80:
            return candidate
    label = _compact(host.removeprefix("www.").split(".")[0]) if host else ""
    parts = [p.strip() for p in _TITLE_SPLIT.split(home.title) if p.strip()]
    for part in parts:
        compact = _compact(part)
        if label and compact and len(part) <= 60 and (compact in label or label in compact):
            return part
    if parts and len(parts[0].split()) <= 5 and len(parts) > 1:
        return parts[0]
    for page in pages[1:]:
        for candidate in (page.site_name, *page.org_names):
            if candidate and len(candidate) <= 80:
                return candidate
    if label and not label.isdigit():
        return host.removeprefix("www.").split(".")[0].replace("-", " ").title()
    return parts[0][:80] if parts else None


_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“])")


def summary(pages: list[PageContent], *, max_chars: int = 300) -> str | None:
    """A short description: the home page's meta description, else its first sentences."""
    home = pages[0]
    if len(home.description) >= 40:
        return clip(home.description, max_chars)
    for text in (home.body, *(p.description for p in pages[1:])):
        sentences = [s.strip() for s in _SENTENCE.split(normalize(text)) if len(s.split()) >= 6]
        if sentences:
            out = sentences[0]
            for s in sentences[1:]:
                if len(out) + len(s) + 1 > max_chars:
                    break
                out += " " + s
            return clip(out, max_chars)
    return clip(home.description or home.title, max_chars) or None


def clip(text: str, max_chars: int) -> str:
    """`text` cut at a word boundary to at most `max_chars`, with an ellipsis when cut."""
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"
