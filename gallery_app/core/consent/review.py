"""The review queue: the photos a person still has to look at before they can be used.

A comms officer clears consent photo by photo, fastest with the keyboard: "nobody can be
recognised here", "tag who this is", or "I checked, use it anyway (because …)". This module
answers the questions the queue needs — which photos are not cleared for a use, why, and who
is tagged on them — in capture-time order, so the desktop app (and any other front end) shows
the same verdicts the export gate will apply.

The whole queue is a verdict for every photo (about a second for 20,000 photos, most of it in
the policy), so a front end computes it off its main thread, and after an edit asks
:func:`review_items` about just the photos that changed. The desktop app's one catalog thread
must not be held for that second (a rating typed meanwhile would wait), so the queue can also
be computed in parts (:func:`queue_parts`, ``photo_ids=``) and put together with
:func:`merge_queues`.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field

from gallery_app.core.catalog.database import id_chunks
from gallery_app.core.catalog.photos import file_name
from gallery_app.core.consent.model import PhotoFacts, Verdict
from gallery_app.core.consent.policy import decide
from gallery_app.core.consent.store import check_use, load_facts


@dataclass(frozen=True)
class ReviewItem:
    """One photo that is not cleared for the use, with the reasons in words."""

    photo_id: int
    filename: str
    captured_at: str | None
    verdict: Verdict
    reasons: tuple[str, ...]
    people: tuple[str, ...]
    order: tuple[float, int] = (0.0, 0)
    """Where it goes in the queue: corrected capture time, then id (as the grid sorts)."""
    rejected: bool = False
    """Rejected while culling: never exported, so never worth a reviewer's time."""


@dataclass(frozen=True)
class ReviewQueue:
    """The queue for one use, plus how many photos are in each verdict (for a summary line)."""

    use: str
    items: tuple[ReviewItem, ...]
    counts: dict[str, int] = field(default_factory=dict)
    """Photos per :class:`Verdict` value, over the photos not rejected."""
    verdicts: dict[int, Verdict] = field(default_factory=dict)
    """Every photo's verdict, so that counts can be kept current after an edit."""
    rejected: frozenset[int] = frozenset()
    """Photos rejected while culling: left out of the queue, the counts and ``verdicts``."""


def _wanted(include_blocked: bool) -> set[Verdict]:
    return {Verdict.NEEDS_REVIEW} | ({Verdict.BLOCKED} if include_blocked else set())


_Row = tuple[int, str, str | None, float | None, int]


def _rows(conn: sqlite3.Connection, photo_ids: list[int] | None) -> list[_Row]:
    sql = "SELECT id, path, captured_at, captured_sort, flag FROM photos"
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples
    if photo_ids is None:
        return list(cursor.execute(sql))
    rows = []
    for chunk, marks in id_chunks(photo_ids):
        rows += list(cursor.execute(f"{sql} WHERE id IN ({marks})", chunk))
    return rows


def _item(row: _Row, facts: PhotoFacts, use: str, day: dt.date) -> tuple[Verdict, ReviewItem]:
    photo_id, path, captured_at, sort_key, flag = row
    decision = decide(facts, use, day)
    item = ReviewItem(
        photo_id=photo_id,
        filename=file_name(path),
        captured_at=captured_at,
        verdict=decision.verdict,
        reasons=decision.reasons,
        people=tuple(person.name for person in facts.people),
        # Photos without a capture time sort first, as NULLs do in the grid's ORDER BY.
        order=(sort_key if sort_key is not None else float("-inf"), photo_id),
        rejected=flag == -1,
    )
    return decision.verdict, item


def review_queue(
    conn: sqlite3.Connection,
    use: str,
    *,
    include_blocked: bool = False,
    today: dt.date | None = None,
    photo_ids: list[int] | None = None,
) -> ReviewQueue:
    """Photos that need review for ``use`` (and blocked ones if asked), by capture time.

    Blocked photos cannot be overridden, but a wrong tag can be removed, so a reviewer may
    want to see them too. Photos rejected while culling are left out: the export leaves them
    out whatever their consent. With ``photo_ids``, the queue of just those photos (one part
    of :func:`queue_parts`).
    """
    check_use(use)
    day = today or dt.date.today()
    facts = load_facts(conn, photo_ids)
    counts = {v.value: 0 for v in Verdict}
    wanted = _wanted(include_blocked)
    items = []
    verdicts: dict[int, Verdict] = {}
    rejected: set[int] = set()
    for row in _rows(conn, photo_ids):
        if row[4] == -1:
            rejected.add(row[0])
            continue
        verdict, item = _item(row, facts[row[0]], use, day)
        counts[verdict.value] += 1
        verdicts[item.photo_id] = verdict
        if verdict in wanted:
            items.append(item)
    items.sort(key=lambda item: item.order)
    return ReviewQueue(use, tuple(items), counts, verdicts, frozenset(rejected))


def queue_parts(conn: sqlite3.Connection, size: int = 2000) -> list[list[int]]:
    """Every photo id, in parts of ``size`` for :func:`review_queue` (about 0.1 s each)."""
    ids = [row[0] for row in conn.execute("SELECT id FROM photos ORDER BY id")]
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def merge_queues(use: str, parts: list[ReviewQueue]) -> ReviewQueue:
    """One queue from the queues of disjoint sets of photos, in capture-time order."""
    counts = {v.value: 0 for v in Verdict}
    verdicts: dict[int, Verdict] = {}
    rejected: set[int] = set()
    items: list[ReviewItem] = []
    for part in parts:
        for verdict, count in part.counts.items():
            counts[verdict] += count
        verdicts.update(part.verdicts)
        rejected |= part.rejected
        items += part.items
    items.sort(key=lambda item: item.order)
    return ReviewQueue(use, tuple(items), counts, verdicts, frozenset(rejected))


def review_items(
    conn: sqlite3.Connection,
    use: str,
    photo_ids: list[int],
    *,
    today: dt.date | None = None,
) -> dict[int, ReviewItem | None]:
    """Each photo's entry as it is now, whatever its verdict (``None``: no such photo).

    A front end merges these into the queue it holds: an entry the queue does not show
    (cleared, rejected, or blocked when blocked ones are hidden) leaves it.
    """
    check_use(use)
    day = today or dt.date.today()
    facts = load_facts(conn, photo_ids)
    result: dict[int, ReviewItem | None] = dict.fromkeys(photo_ids)
    for row in _rows(conn, photo_ids):
        result[row[0]] = _item(row, facts[row[0]], use, day)[1]
    return result


def shows(item: ReviewItem | None, include_blocked: bool) -> bool:
    """Whether the queue lists this entry."""
    return item is not None and not item.rejected and item.verdict in _wanted(include_blocked)


__all__ = [
    "ReviewItem",
    "ReviewQueue",
    "merge_queues",
    "queue_parts",
    "review_items",
    "review_queue",
    "shows",
]
