"""The catalog's schema, as an ordered list of migrations from an empty database.

Each migration brings the catalog from version ``n - 1`` to ``n`` and runs inside the same
transaction as the ``PRAGMA user_version`` bump, so a catalog is always at exactly one version.
Migrations are never edited once released: a change to the schema is a new migration at the
end. A fresh catalog is made by running all of them, so the upgrade path is the path every
catalog takes and is exercised by every test.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    """One step of the schema's history."""

    version: int
    description: str
    sql: str
    data: Callable[[sqlite3.Connection], None] | None = None
    """Rewrites stored values SQL cannot express, after ``sql``, in the same transaction.
    Self-contained like the SQL: it must not call code that may change after release."""


_V1_PROJECT_AND_PHOTOS = """
CREATE TABLE project (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    event_name TEXT NOT NULL,
    event_date TEXT,
    venue TEXT,
    creator TEXT,
    credit TEXT,
    copyright TEXT,
    created_at TEXT NOT NULL,
    import_sequence INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    storage TEXT NOT NULL CHECK (storage IN ('copy', 'reference')),
    sources TEXT NOT NULL,
    summary TEXT
);

CREATE TABLE photos (
    id INTEGER PRIMARY KEY,
    content_hash TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL UNIQUE,
    storage TEXT NOT NULL CHECK (storage IN ('copy', 'reference')),
    original_name TEXT NOT NULL,
    source_path TEXT NOT NULL,
    file_size INTEGER NOT NULL,
    file_mtime_ns INTEGER NOT NULL,
    format TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    orientation INTEGER NOT NULL DEFAULT 1 CHECK (orientation BETWEEN 1 AND 8),
    captured_at TEXT,
    captured_at_source TEXT NOT NULL,
    camera_make TEXT,
    camera_model TEXT,
    body_serial TEXT,
    lens TEXT,
    exposure_time TEXT,
    f_number REAL,
    iso INTEGER,
    focal_length REAL,
    gps_latitude REAL,
    gps_longitude REAL,
    gps_altitude REAL,
    caption TEXT,
    title TEXT,
    headline TEXT,
    alt_text TEXT,
    ext_description TEXT,
    creator TEXT,
    credit TEXT,
    copyright TEXT,
    usage_terms TEXT,
    rating INTEGER NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5),
    flag INTEGER NOT NULL DEFAULT 0 CHECK (flag IN (-1, 0, 1)),
    color_label TEXT,
    metadata_sources TEXT NOT NULL DEFAULT '{}',
    metadata_warnings TEXT NOT NULL DEFAULT '[]',
    import_id INTEGER REFERENCES imports(id),
    imported_at TEXT NOT NULL
);
CREATE INDEX photos_by_capture_time ON photos(captured_at, id);
CREATE INDEX photos_by_source ON photos(source_path, file_size, file_mtime_ns);
CREATE INDEX photos_by_camera ON photos(camera_make, camera_model);

CREATE TABLE keywords (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE
);
CREATE TABLE photo_keywords (
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    keyword_id INTEGER NOT NULL REFERENCES keywords(id) ON DELETE RESTRICT,
    position INTEGER NOT NULL,
    PRIMARY KEY (photo_id, keyword_id)
) WITHOUT ROWID;
CREATE INDEX photo_keywords_by_keyword ON photo_keywords(keyword_id, photo_id);

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE TABLE photo_people (
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE RESTRICT,
    position INTEGER NOT NULL,
    PRIMARY KEY (photo_id, person_id)
) WITHOUT ROWID;
CREATE INDEX photo_people_by_person ON photo_people(person_id, photo_id);
"""

# Several cameras at one event rarely agree on the time. A per-body clock offset (set later
# from one photo of a known time) lets the grid merge them onto one time line.
_V2_CAMERA_CLOCKS = """
CREATE TABLE camera_clocks (
    camera_make TEXT NOT NULL DEFAULT '',
    camera_model TEXT NOT NULL DEFAULT '',
    body_serial TEXT NOT NULL DEFAULT '',
    offset_seconds INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (camera_make, camera_model, body_serial)
) WITHOUT ROWID;
"""

# The people register, consent histories, reviewers' overrides, the audit log, the undo
# history of edits, and the record of which exported file holds which photo. Consent records,
# overrides and the audit log are append-only: triggers refuse any UPDATE or DELETE, so the
# history a data-protection officer relies on cannot be rewritten by the app or a bug in it.
_V3_PEOPLE_CONSENT_AUDIT = """
ALTER TABLE people ADD COLUMN email TEXT;
ALTER TABLE people ADD COLUMN organisation TEXT;
ALTER TABLE people ADD COLUMN role TEXT CHECK (role IS NULL OR role IN
    ('speaker', 'delegate', 'staff', 'volunteer', 'press', 'other'));
ALTER TABLE people ADD COLUMN minor INTEGER NOT NULL DEFAULT 0 CHECK (minor IN (0, 1));
CREATE UNIQUE INDEX people_by_email ON people(email COLLATE NOCASE) WHERE email IS NOT NULL;

ALTER TABLE photos ADD COLUMN no_identifiable_people INTEGER NOT NULL DEFAULT 0
    CHECK (no_identifiable_people IN (0, 1));

CREATE TABLE consent_records (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    status TEXT NOT NULL CHECK (status IN ('granted', 'refused', 'withdrawn')),
    uses TEXT NOT NULL,
    valid_from TEXT,
    valid_until TEXT,
    evidence TEXT,
    guardian TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    source TEXT
);
CREATE INDEX consent_records_by_person ON consent_records(person_id, recorded_at, id);
CREATE TRIGGER consent_records_append_only_update BEFORE UPDATE ON consent_records
BEGIN SELECT RAISE(ABORT, 'consent records are append-only'); END;
CREATE TRIGGER consent_records_append_only_delete BEFORE DELETE ON consent_records
BEGIN SELECT RAISE(ABORT, 'consent records are append-only'); END;

CREATE TABLE consent_overrides (
    id INTEGER PRIMARY KEY,
    photo_id INTEGER NOT NULL REFERENCES photos(id),
    use TEXT NOT NULL CHECK (use IN ('web', 'social', 'print', 'internal')),
    reason TEXT NOT NULL,
    reasons TEXT NOT NULL,
    overridden_by TEXT NOT NULL,
    overridden_at TEXT NOT NULL
);
CREATE INDEX consent_overrides_by_photo ON consent_overrides(photo_id, id);
CREATE TRIGGER consent_overrides_append_only_update BEFORE UPDATE ON consent_overrides
BEGIN SELECT RAISE(ABORT, 'overrides are append-only'); END;
CREATE TRIGGER consent_overrides_append_only_delete BEFORE DELETE ON consent_overrides
BEGIN SELECT RAISE(ABORT, 'overrides are append-only'); END;

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '{}',
    reason TEXT
);
CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE edit_history (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    description TEXT NOT NULL,
    changes TEXT NOT NULL,
    undone INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1))
);

CREATE TABLE exports (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    preset TEXT NOT NULL,
    use TEXT NOT NULL,
    out_dir TEXT NOT NULL,
    actor TEXT NOT NULL,
    summary TEXT
);
CREATE TABLE export_files (
    export_id INTEGER NOT NULL REFERENCES exports(id),
    photo_id INTEGER NOT NULL REFERENCES photos(id),
    path TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('image', 'page', 'archive', 'manifest')),
    format TEXT,
    width INTEGER,
    sha256 TEXT,
    removed_at TEXT,
    PRIMARY KEY (export_id, path, photo_id)
) WITHOUT ROWID;
CREATE INDEX export_files_by_photo ON export_files(photo_id, export_id);
"""

# Sorting 20,000 photos by corrected capture time must be an index scan, not a computation per
# row: the sort key (local capture time as a Julian day, plus the camera's clock offset) is
# stored and kept up to date when an offset changes.
_V4_CAPTURE_SORT_KEY = """
ALTER TABLE photos ADD COLUMN captured_sort REAL;
UPDATE photos SET captured_sort = julianday(substr(captured_at, 1, 19)) + coalesce((
    SELECT cc.offset_seconds FROM camera_clocks cc
    WHERE cc.camera_make = coalesce(photos.camera_make, '')
      AND cc.camera_model = coalesce(photos.camera_model, '')
      AND cc.body_serial = coalesce(photos.body_serial, '')), 0) / 86400.0;
CREATE INDEX photos_by_capture_sort ON photos(captured_sort, id);
CREATE INDEX photos_by_rating ON photos(rating, id);
CREATE INDEX photos_by_path ON photos(path, id);
"""

# Write-back: every time the catalog's metadata went into a photo's file (or its sidecar). The
# fingerprint of what was written tells the grid "changed since written" without opening the
# file; the file's new content hash keeps a re-import of the rewritten file a duplicate, since
# photos.content_hash stays the hash of the file as imported (the thumbnail cache key).
_V5_PHOTO_WRITES = """
CREATE TABLE photo_writes (
    id INTEGER PRIMARY KEY,
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    written_at TEXT NOT NULL,
    target TEXT NOT NULL CHECK (target IN ('file', 'sidecar')),
    path TEXT NOT NULL,
    fields_hash TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    file_size INTEGER NOT NULL,
    file_mtime_ns INTEGER NOT NULL,
    actor TEXT NOT NULL
);
CREATE INDEX photo_writes_by_photo ON photo_writes(photo_id, id);
CREATE INDEX photo_writes_by_hash ON photo_writes(content_hash);
"""


def _v6_people_in_edits_by_id(conn: sqlite3.Connection) -> None:
    """Undo history: people shown were stored by name; store ``[id, name]`` instead.

    A name meant whoever was called that when the edit was made. The register's renames are in
    the audit log (``person_updated``, with the name before and after), so the name is matched
    against each person's name *at the edit's time*, among people who existed by then; a
    person who was renamed since is still found, and a namesake created later (as undo used to
    create one) is not. A name that matches nobody keeps ``None`` as its id: undoing it is then
    refused with the name, never guessed.
    """
    renames: dict[int, list[tuple[dt.datetime, str, str]]] = {}
    for row in conn.execute(
        "SELECT at, subject, details FROM audit_log WHERE action = 'person_updated' ORDER BY id"
    ):
        details = json.loads(row[2] or "{}")
        name = details.get("name")
        subject = str(row[1])
        if not isinstance(name, dict) or not subject.startswith("person:"):
            continue
        if not subject[7:].isdigit():
            continue
        renames.setdefault(int(subject[7:]), []).append(
            (_v6_instant(row[0]), str(name.get("before")), str(name.get("after")))
        )
    people = [
        (int(row[0]), str(row[1]), _v6_instant(row[2]))
        for row in conn.execute("SELECT id, name, created_at FROM people ORDER BY id")
    ]

    def name_at(person_id: int, current: str, when: dt.datetime) -> str:
        # The name before the first rename at or after ``when``; else today's name. A rename
        # in the same second as the edit counts as after it: an edit names people as they
        # were called before it, and the fallback below catches the other order.
        for at, before, _after in renames.get(person_id, []):
            if at >= when:
                return before
        return current

    def resolve(name: str, when: dt.datetime) -> int | None:
        key = " ".join(name.split()).casefold()
        existed = [p for p in people if p[2] <= when]
        matches = [p for p in existed if name_at(p[0], p[1], when).casefold() == key]
        if not matches:
            # Anyone who ever had the name, if that is one person.
            ever = {
                p[0]
                for p in existed
                if p[1].casefold() == key
                or any(key in (b.casefold(), a.casefold()) for _, b, a in renames.get(p[0], []))
            }
            return ever.pop() if len(ever) == 1 else None
        exact = [p for p in matches if name_at(p[0], p[1], when) == name]
        return min(exact or matches)[0]

    for row in conn.execute("SELECT id, at, changes FROM edit_history").fetchall():
        when = _v6_instant(row[1])
        try:
            changes = json.loads(row[2])
        except ValueError:
            continue  # unreadable before too; opening the project must not fail over it
        if not isinstance(changes, list):
            continue
        for change in changes:
            if not (isinstance(change, list) and len(change) == 4 and change[1] == "people"):
                continue
            for side in (2, 3):
                change[side] = [
                    [resolve(item, when), item] if isinstance(item, str) else item
                    for item in change[side] or []
                ]
        conn.execute(
            "UPDATE edit_history SET changes = ? WHERE id = ?",
            (json.dumps(changes, ensure_ascii=False), row[0]),
        )


def _v6_instant(text: object) -> dt.datetime:
    """A stored timestamp as an aware UTC instant: SQLite's ``datetime('now')`` is naive UTC,
    the app's own stamps carry their offset. Unreadable means "long ago"."""
    try:
        moment = dt.datetime.fromisoformat(str(text).strip())
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "event project, photos, keywords and people", _V1_PROJECT_AND_PHOTOS),
    Migration(2, "per-camera clock offsets", _V2_CAMERA_CLOCKS),
    Migration(
        3,
        "people register, consent, overrides, audit log, edits, exports",
        _V3_PEOPLE_CONSENT_AUDIT,
    ),
    Migration(4, "indexed capture-time sort key", _V4_CAPTURE_SORT_KEY),
    Migration(5, "metadata written back into files and sidecars", _V5_PHOTO_WRITES),
    Migration(6, "people in the undo history by id", "", _v6_people_in_edits_by_id),
)

SCHEMA_VERSION = MIGRATIONS[-1].version
