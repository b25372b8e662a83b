"""The ``--select`` filter: which photos an export considers, in words a person can type.

Examples: ``picked``, ``rating>=3``, ``keyword=Sessions|Panel``, ``person="Ana Müller"``,
``camera=nikon``, ``ids=1-20,25``. Terms combine with AND. Rejected photos are never exported,
whatever the selection says.
"""

from __future__ import annotations

import re
import shlex
import sqlite3

from gallery_app.core.catalog.photos import PhotoQuery
from gallery_app.core.errors import UserError

_TERM = re.compile(r"^(?P<key>[a-z_]+)\s*(?P<op>>=|=|:)?\s*(?P<value>.*)$", re.IGNORECASE)


def parse_selection(text: str | None) -> tuple[PhotoQuery, bool]:
    """The query for ``text`` and whether only picked photos are wanted."""
    query = PhotoQuery()
    picked_only = False
    if not text or not text.strip():
        return query, picked_only
    try:
        terms = shlex.split(text)
    except ValueError as exc:
        raise UserError(f"--select {text!r}: {exc}") from None
    for term in terms:
        match = _TERM.match(term)
        if match is None:
            raise UserError(f"--select: cannot read {term!r}")
        key, op, value = match["key"].lower(), match["op"], match["value"].strip()
        if key in ("picked", "pick", "picks") and not op:
            picked_only = True
        elif key == "rating" and op in (">=", "=", ":") and value.isdigit():
            query.min_rating = int(value)
        elif key == "keyword" and op and value:
            query.keyword = value
        elif key == "person" and op and value:
            query.person = value
        elif key == "camera" and op and value:
            query.camera = value
        elif key == "ids" and op and value:
            query.ids = _id_ranges(value)
        else:
            raise UserError(
                f"--select: cannot read {term!r}; use picked, rating>=N, keyword=K, "
                "person=NAME, camera=TEXT or ids=1-20,25"
            )
    return query, picked_only


def _id_ranges(text: str) -> list[int]:
    ids: list[int] = []
    for raw in text.split(","):
        part = raw.strip()
        if re.fullmatch(r"\d+", part):
            ids.append(int(part))
        elif re.fullmatch(r"\d+-\d+", part):
            low, high = (int(x) for x in part.split("-"))
            if high < low or high - low > 1_000_000:
                raise UserError(f"--select: id range {part!r} is not a range")
            ids.extend(range(low, high + 1))
        else:
            raise UserError(f"--select: {part!r} is not an id or a range like 1-20")
    return ids


def album_parents(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    """Keywords that can split an export into albums (``album_keyword``), with how many each
    would give: every keyword path that has sub-keywords on some photo, e.g. ``Sessions``
    for ``Sessions|Keynote`` and ``Sessions|Panel``.

    ``People`` hierarchies are never offered: album titles are published, and a person's name
    must not appear in a gallery because of a keyword.
    """
    children: dict[str, set[str]] = {}
    for (path,) in conn.execute(
        "SELECT k.path FROM keywords k WHERE EXISTS"
        " (SELECT 1 FROM photo_keywords pk WHERE pk.keyword_id = k.id)"
    ):
        parts = [part.strip() for part in str(path).split("|")]
        if parts[0].casefold().startswith("people"):
            continue
        for depth in range(1, len(parts)):
            children.setdefault("|".join(parts[:depth]), set()).add(parts[depth])
    return sorted((parent, len(names)) for parent, names in children.items())
