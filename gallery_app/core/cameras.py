"""Camera bodies in a project and their clock offsets: several cameras on one time line.

At an event the photographer's body, a staff phone and a volunteer's compact rarely agree on
the time, so a grid sorted by capture time interleaves them wrongly. The fix people understand
is "this photo was really taken at 10:32": from one photo of a known time we work out how far
that body's clock was off and shift every photo from the same body (make, model and serial
number, so two identical camera models are corrected separately).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from gallery_app.core import audit
from gallery_app.core.catalog import photos as photo_rows
from gallery_app.core.catalog.database import transaction
from gallery_app.core.errors import PhotoNotFound, UserError
from gallery_app.core.project import Project


@dataclass(frozen=True)
class CameraBody:
    """One camera body as the photos name it, with its photo count and clock offset.

    Attributes:
        key: (make, model, serial), ``""`` for a part the photos do not record; the identity
            the clock offset and the camera filter use.
        label: what to show a person ("Canon EOS R6", "Canon EOS R6 (serial 0123)" when the
            project has two of them, "Unknown camera" when the photos say nothing).
        photos: how many photos it took.
        offset_seconds: how far its photos are shifted on the time line.
    """

    key: tuple[str, str, str]
    label: str
    photos: int
    offset_seconds: int


def list_cameras(conn: sqlite3.Connection) -> list[CameraBody]:
    """Every camera body that took a photo in the project, most photos first."""
    rows = conn.execute(
        "SELECT coalesce(p.camera_make, ''), coalesce(p.camera_model, ''),"
        " coalesce(p.body_serial, ''), count(*), coalesce(cc.offset_seconds, 0)"
        " FROM photos p LEFT JOIN camera_clocks cc"
        " ON cc.camera_make = coalesce(p.camera_make, '')"
        " AND cc.camera_model = coalesce(p.camera_model, '')"
        " AND cc.body_serial = coalesce(p.body_serial, '')"
        " GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1, 2, 3"
    ).fetchall()
    labels = [photo_rows.camera_label(r[0], r[1]) or "Unknown camera" for r in rows]
    result: list[CameraBody] = []
    for row, label in zip(rows, labels, strict=True):
        shown = label
        if labels.count(label) > 1:
            # Two bodies of one model: only the serial number tells them apart.
            shown += f" (serial {row[2]})" if row[2] else " (no serial number)"
        result.append(CameraBody((row[0], row[1], row[2]), shown, int(row[3]), int(row[4])))
    return result


def camera_of(conn: sqlite3.Connection, photo_id: int) -> CameraBody:
    """The body that took one photo."""
    row = conn.execute(
        "SELECT coalesce(camera_make, ''), coalesce(camera_model, ''), coalesce(body_serial, '')"
        " FROM photos WHERE id = ?",
        (photo_id,),
    ).fetchone()
    if row is None:
        raise PhotoNotFound(f"there is no photo with id {photo_id} in this project")
    key = (row[0], row[1], row[2])
    return next(body for body in list_cameras(conn) if body.key == key)


def recorded_time(conn: sqlite3.Connection, photo_id: int) -> dt.datetime:
    """The capture time the camera wrote, as local wall-clock time without any offset."""
    row = conn.execute("SELECT captured_at FROM photos WHERE id = ?", (photo_id,)).fetchone()
    if row is None:
        raise PhotoNotFound(f"there is no photo with id {photo_id} in this project")
    if not row[0]:
        raise UserError(
            f"photo {photo_id} has no capture time, so its camera's clock cannot be set from it"
        )
    return dt.datetime.fromisoformat(str(row[0])[:19])


def offset_from_photo(conn: sqlite3.Connection, photo_id: int, true_time: dt.datetime) -> int:
    """The clock offset, in whole seconds, that puts this photo at ``true_time``."""
    recorded = recorded_time(conn, photo_id)
    return round((true_time.replace(tzinfo=None) - recorded).total_seconds())


@dataclass(frozen=True)
class ClockChange:
    """What setting a clock offset did, so the front end can say it and undo it."""

    camera: CameraBody
    before: int
    after: int
    moved: int


def set_clock_offset(project: Project, key: tuple[str, str, str], seconds: int) -> ClockChange:
    """Shift one body's photos on the time line by ``seconds`` (replacing its old offset).

    Recorded in the audit log: a wrong clock changes which photos a time filter finds.
    """
    if abs(seconds) > 10 * 365 * 86400:
        raise UserError("a camera clock cannot be more than ten years off; check the date")
    conn = project.conn
    with transaction(conn):
        body = next((b for b in list_cameras(conn) if b.key == key), None)
        if body is None:
            raise UserError("no photo in this project was taken with that camera")
        moved = photo_rows.set_camera_clock_offset(conn, *key, seconds)
        audit.record(
            conn,
            action="camera_clock_offset",
            subject=f"camera:{'/'.join(key)}",
            details={"label": body.label, "before": body.offset_seconds, "after": seconds},
        )
    return ClockChange(body, body.offset_seconds, seconds, moved)


def describe_offset(seconds: int) -> str:
    """``-3725`` → "1 h 2 min 5 s earlier": how far the photos move, in words."""
    if seconds == 0:
        return "no correction"
    size = abs(seconds)
    days, rest = divmod(size, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{value} {unit}"
        for value, unit in ((days, "d"), (hours, "h"), (minutes, "min"), (secs, "s"))
        if value
    ]
    # A positive offset moves photos later: the camera's clock was behind.
    return " ".join(parts) + (" later" if seconds > 0 else " earlier")
