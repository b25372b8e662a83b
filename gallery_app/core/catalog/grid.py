"""What a browsing grid shows about a block of photos, read in a few queries.

A grid over 20,000 photos paints about twenty cells at a time and fetches their details in
blocks of a screenful as the user scrolls. :func:`get_photo` costs three queries per photo and
:func:`~gallery_app.core.consent.store.decisions` is the only source of verdicts, so a block
read photo by photo spends most of a 50 ms frame budget in SQLite. Here one query reads the
cell columns of the whole block, one more counts keywords, and the consent facts come from the
store restricted to the block's ids. The desktop app's grid model is the caller; it stays
thin and free of SQL.

The "changed since written" marker comes from the same read: one indexed query finds the
block's photos that were ever written back, and only those get the write-back fingerprint
comparison (:func:`~gallery_app.core.writeback.write_states`). Most photos were never written,
so most blocks pay one query and nothing more.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from gallery_app.core.catalog.database import id_chunks
from gallery_app.core.catalog.photos import file_name
from gallery_app.core.consent import store as consent_store


@dataclass(frozen=True)
class GridCell:
    """One photo as a grid cell shows it."""

    photo_id: int
    path: str
    """As stored in the catalog (relative to the project for copies)."""
    filename: str
    rating: int
    flag: int
    """1 pick, -1 reject, 0 none."""
    color_label: str | None
    content_hash: str
    orientation: int
    keywords: int
    """How many keywords the photo has."""
    has_caption: bool
    has_alt_text: bool
    verdict: str | None
    """The consent verdict for ``use`` (a ``Verdict`` value), or None when unknown."""
    write_state: str = "never_written"
    """A ``WriteState`` value: whether the photo's file holds what the catalog says."""


def grid_cells(conn: sqlite3.Connection, photo_ids: list[int], use: str) -> dict[int, GridCell]:
    """The cells of these photos (ids that no longer exist are left out)."""
    if not photo_ids:
        return {}
    rows: list[tuple[Any, ...]] = []
    counts: dict[int, int] = {}
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: cheaper than sqlite3.Row for a block
    for chunk, marks in id_chunks(photo_ids):
        rows += cursor.execute(
            "SELECT id, path, rating, flag, color_label, content_hash, orientation,"
            " caption IS NOT NULL AND caption != '', alt_text IS NOT NULL AND alt_text != ''"
            f" FROM photos WHERE id IN ({marks})",
            chunk,
        ).fetchall()
        counts.update(
            cursor.execute(
                "SELECT photo_id, COUNT(*) FROM photo_keywords"
                f" WHERE photo_id IN ({marks}) GROUP BY photo_id",
                chunk,
            ).fetchall()
        )
    found = [int(r[0]) for r in rows]
    verdicts = consent_store.decisions(conn, use, photo_ids=found)
    written = write_states_of(conn, found)
    cells: dict[int, GridCell] = {}
    for photo_id, path, rating, flag, label, digest, orientation, caption, alt in rows:
        pid = int(photo_id)
        decision = verdicts.get(pid)
        cells[pid] = GridCell(
            photo_id=pid,
            path=str(path),
            filename=file_name(str(path)),
            rating=int(rating or 0),
            flag=int(flag or 0),
            color_label=str(label) if label else None,
            content_hash=str(digest),
            orientation=int(orientation or 1),
            keywords=counts.get(pid, 0),
            has_caption=bool(caption),
            has_alt_text=bool(alt),
            verdict=str(decision.verdict) if decision is not None else None,
            write_state=written.get(pid, "never_written"),
        )
    return cells


def ever_written(conn: sqlite3.Connection, photo_ids: list[int]) -> list[int]:
    """Those of these photos that were written back at least once (one indexed query)."""
    ever: list[int] = []
    cursor = conn.cursor()
    cursor.row_factory = None
    for chunk, marks in id_chunks(photo_ids):
        ever += [
            int(r[0])
            for r in cursor.execute(
                f"SELECT DISTINCT photo_id FROM photo_writes WHERE photo_id IN ({marks})", chunk
            )
        ]
    return ever


def write_states_of(
    conn: sqlite3.Connection, photo_ids: list[int], *, ever: list[int] | None = None
) -> dict[int, str]:
    """The ``WriteState`` value of each of these photos that was ever written back.

    Photos never written are left out (the caller treats them as "never_written"): finding
    them costs one indexed query, while the fingerprint comparison reads every field, the
    keywords, the people and the consent facts of a photo (about 0.1 ms each). ``ever``:
    :func:`ever_written` of ``photo_ids``, when the caller already has it.
    """
    if ever is None:
        ever = ever_written(conn, photo_ids)
    if not ever:
        return {}
    # Imported here: write-back pulls in the metadata engine, which a grid that was never
    # written back (and the app's start) does not need.
    from gallery_app.core.writeback.service import write_states

    return {pid: state.value for pid, state in write_states(conn, ever).items()}
