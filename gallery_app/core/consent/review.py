"""The review queue: the photos a person still has to look at before they can be used.

A comms officer clears consent photo by photo, fastest with the keyboard: "nobody can be
recognised here", "tag who this is", or "I checked, use it anyway (because …)". This module
answers the one question the queue needs — which photos are not cleared for a use, why, and
who is tagged on them — in capture-time order, so the desktop app (and any other front end)
shows the same list the export gate will apply.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field

from gallery_app.core.catalog.photos import PhotoQuery, list_photos
from gallery_app.core.consent.model import Verdict
from gallery_app.core.consent.store import check_use, decisions


@dataclass(frozen=True)
class ReviewItem:
    """One photo that is not cleared for the use, with the reasons in words."""

    photo_id: int
    filename: str
    captured_at: str | None
    verdict: Verdict
    reasons: tuple[str, ...]
    people: tuple[str, ...]


@dataclass(frozen=True)
class ReviewQueue:
    """The queue for one use, plus how many photos are in each verdict (for a summary line)."""

    use: str
    items: tuple[ReviewItem, ...]
    counts: dict[str, int] = field(default_factory=dict)
    """Photos per :class:`Verdict` value, over the whole project."""


def review_queue(
    conn: sqlite3.Connection,
    use: str,
    *,
    include_blocked: bool = False,
    today: dt.date | None = None,
) -> ReviewQueue:
    """Photos that need review for ``use`` (and blocked ones if asked), by capture time.

    Blocked photos cannot be overridden, but a wrong tag can be removed, so a reviewer may
    want to see them too.
    """
    check_use(use)
    verdicts = decisions(conn, use, today)
    counts = {v.value: 0 for v in Verdict}
    for decision in verdicts.values():
        counts[decision.verdict.value] += 1
    wanted = {Verdict.NEEDS_REVIEW} | ({Verdict.BLOCKED} if include_blocked else set())
    items = []
    for photo in list_photos(conn, PhotoQuery(sort="time")):
        found = verdicts.get(photo["id"])
        if found is None or found.verdict not in wanted:
            continue
        items.append(
            ReviewItem(
                photo_id=photo["id"],
                filename=photo["filename"],
                captured_at=photo["captured_at"],
                verdict=found.verdict,
                reasons=found.reasons,
                people=tuple(photo["people"]),
            )
        )
    return ReviewQueue(use, tuple(items), counts)
