"""What a set of selected photos has in common, for an editor of many photos at once.

With 300 photos selected, the metadata panel shows each field's shared value, or says the
photos differ ("(different across 300 photos)") so that typing into it is a deliberate choice
to overwrite them all (Picard's tag diff). Keywords and people are listed with how many of the
selected photos carry each, so "on 12 of 300" tells the user a tag is only partly applied.

The ids go to SQLite as one JSON array (``json_each``), so summarising all 20,000 photos of a
project is a handful of set-based queries, not one query per photo.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from gallery_app.core.edits import TEXT_FIELDS


@dataclass(frozen=True)
class FieldSummary:
    """One text field across the selection.

    Attributes:
        value: the value every selected photo shares ("" when all are empty), or None when
            they differ.
        distinct: how many different values the photos hold (empty counts as one).
    """

    value: str | None
    distinct: int

    @property
    def mixed(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class SelectionSummary:
    """Per text field the shared value or "mixed"; keywords and people with counts."""

    count: int
    fields: dict[str, FieldSummary] = field(default_factory=dict)
    keywords: list[tuple[str, int]] = field(default_factory=list)
    """(keyword path, photos carrying it), by path."""
    people: list[tuple[str, int]] = field(default_factory=list)
    """(name, photos showing them), by name."""


_IDS = "SELECT value FROM json_each(?)"


def summarise(conn: sqlite3.Connection, photo_ids: list[int]) -> SelectionSummary:
    """Summarise the selected photos (ids that are not in the project are ignored)."""
    ids = json.dumps(sorted(set(photo_ids)))
    count = int(
        conn.execute(f"SELECT count(*) FROM photos WHERE id IN ({_IDS})", (ids,)).fetchone()[0]
    )
    if count == 0:
        return SelectionSummary(0)
    columns = ", ".join(
        f"count(DISTINCT coalesce({name}, '')), max(coalesce({name}, ''))" for name in TEXT_FIELDS
    )
    row = conn.execute(f"SELECT {columns} FROM photos WHERE id IN ({_IDS})", (ids,)).fetchone()
    fields = {
        name: FieldSummary(
            value=str(row[2 * i + 1]) if row[2 * i] == 1 else None, distinct=int(row[2 * i])
        )
        for i, name in enumerate(TEXT_FIELDS)
    }
    keywords = [
        (str(r[0]), int(r[1]))
        for r in conn.execute(
            "SELECT k.path, count(*) FROM photo_keywords pk JOIN keywords k ON k.id = pk.keyword_id"
            f" WHERE pk.photo_id IN ({_IDS}) GROUP BY k.id ORDER BY k.path",
            (ids,),
        )
    ]
    people = [
        (str(r[0]), int(r[1]))
        for r in conn.execute(
            "SELECT pe.name, count(*) FROM photo_people pp JOIN people pe ON pe.id = pp.person_id"
            f" WHERE pp.photo_id IN ({_IDS}) GROUP BY pe.id ORDER BY pe.name",
            (ids,),
        )
    ]
    return SelectionSummary(count, fields, keywords, people)
