"""The on-disk layout of a data set that `orbit datagen` writes and `orbit ingest` reads."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

TOPICS = "topics.parquet"
COMPANIES = "companies.parquet"
PERSONS = "persons.parquet"
SIGNALS_DIR = "signals"
MANIFEST = "manifest.json"
_SIGNAL_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.parquet$")


def signal_file(root: Path, day: date) -> Path:
    return root / SIGNALS_DIR / f"{day.isoformat()}.parquet"


def signal_dates(root: Path) -> list[date]:
    """Dates that have a signals file under `root`, oldest first."""
    folder = root / SIGNALS_DIR
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        m = _SIGNAL_FILE.match(path.name)
        if m:
            found.append(date.fromisoformat(m.group(1)))
    return sorted(found)
