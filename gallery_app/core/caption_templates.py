"""Caption templates: one sentence pattern filled in per photo, such as
``"{event}, {venue}, {date}: {people}"``.

Comms staff caption hundreds of photos that differ only in who is shown and when. A template
is expanded for each selected photo from the catalog (event, venue and date from the project,
people, keywords and camera from the photo) and the results are applied as one edit, so one
undo takes all of them back. Expansion lives here, not in a front end, so that the CLI and the
app fill templates identically.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Iterable, Mapping

from gallery_app.core.catalog import photos as photo_rows
from gallery_app.core.errors import PhotoNotFound, UserError

VARIABLES: dict[str, str] = {
    "event": "the event's name",
    "date": "the day the photo was taken (else the event's date)",
    "venue": "the event's venue",
    "people": "the people shown, as “Ann Lee, Sam Okafor and Zoë Müller”",
    "keywords": "the photo's keywords (last level), comma-separated",
    "camera": "the camera's name",
}
"""Every variable a template may use, with what it becomes (shown to the user as help)."""

_FIELD = re.compile(r"\{([^{}]*)\}")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip


def check(template: str) -> None:
    """Refuse a template with an unknown variable or an unmatched brace, naming it."""
    for name in _FIELD.findall(template):
        if name.strip() not in VARIABLES:
            raise UserError(
                f"the template uses {{{name}}}, which is not a variable; use one of "
                + ", ".join("{" + v + "}" for v in VARIABLES)
            )
    leftover = _FIELD.sub("", template)
    if "{" in leftover or "}" in leftover:
        raise UserError(f"the template {template!r} has a brace without its partner")


def human_date(day: dt.date) -> str:
    """``14 May 2026``: unambiguous in every English-speaking country, unlike 5/14/2026."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def join_names(names: Iterable[str]) -> str:
    items = [n for n in names if n]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def expand(template: str, values: Mapping[str, str]) -> str:
    """Fill the template; a variable without a value leaves no dangling comma or colon."""
    check(template)
    text = _FIELD.sub(lambda m: values.get(m.group(1).strip(), ""), template)
    # "{event}, {venue}: {people}" with no venue must not read "Summit, : Ann".
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,;:])", r"\1", text)
    text = re.sub(r"([,;:–—-])(?:\s*[,;:–—-])+", r"\1", text)
    text = re.sub(r"\(\s*\)", "", text)
    return text.strip().strip(",;:–—-").strip()


def photo_values(
    conn: sqlite3.Connection,
    photo_ids: list[int],
    *,
    people: Mapping[int, list[str]] | None = None,
    keywords: Mapping[int, list[str]] | None = None,
) -> dict[int, dict[str, str]]:
    """The variables' values for each photo.

    ``people`` and ``keywords`` override what the catalog holds, for an edit that changes
    them and fills a caption in the same step.
    """
    project = conn.execute("SELECT event_name, event_date, venue FROM project").fetchone()
    event_day = dt.date.fromisoformat(project[1]) if project[1] else None
    base = {"event": project[0] or "", "venue": project[2] or ""}
    result: dict[int, dict[str, str]] = {}
    for start in range(0, len(photo_ids), 500):
        chunk = photo_ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for row in conn.execute(
            "SELECT id, date(captured_sort), camera_make, camera_model"
            f" FROM photos WHERE id IN ({marks})",
            chunk,
        ):
            photo_id = int(row[0])
            day = dt.date.fromisoformat(row[1]) if row[1] else event_day
            result[photo_id] = {
                **base,
                "date": human_date(day) if day else "",
                "camera": photo_rows.camera_label(row[2], row[3]) or "",
            }
    missing = [i for i in photo_ids if i not in result]
    if missing:
        raise PhotoNotFound(f"there is no photo with id {missing[0]} in this project")
    for photo_id, values in result.items():
        names = people.get(photo_id) if people is not None else None
        if names is None:
            names = _terms(conn, photo_id, "people")
        paths = keywords.get(photo_id) if keywords is not None else None
        if paths is None:
            paths = _terms(conn, photo_id, "keywords")
        values["people"] = join_names(names)
        values["keywords"] = ", ".join(dict.fromkeys(p.split("|")[-1] for p in paths))
    return result


def _terms(conn: sqlite3.Connection, photo_id: int, kind: str) -> list[str]:
    if kind == "people":
        sql = (
            "SELECT pe.name FROM photo_people pp JOIN people pe ON pe.id = pp.person_id"
            " WHERE pp.photo_id = ? ORDER BY pp.position"
        )
    else:
        sql = (
            "SELECT k.path FROM photo_keywords pk JOIN keywords k ON k.id = pk.keyword_id"
            " WHERE pk.photo_id = ? ORDER BY pk.position"
        )
    return [str(r[0]) for r in conn.execute(sql, (photo_id,))]


def preview(conn: sqlite3.Connection, photo_id: int, template: str) -> str:
    """What the template gives for one photo (shown before it is applied)."""
    return expand(template, photo_values(conn, [photo_id])[photo_id])
