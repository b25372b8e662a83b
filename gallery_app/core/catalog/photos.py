"""Photo rows: adding them at import, and the queries every front end lists them with.

Filtering and sorting happen here, in SQL, so that a grid of 20,000 photos asks the catalog for
an ordered list of ids (milliseconds) rather than sorting Python objects. Keywords and people
live in their own tables (one row per photo and term) so that "every photo of this person" is
an index lookup, which the consent and withdrawal features depend on.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from gallery_app.core.errors import PhotoNotFound, UserError
from gallery_app.core.model import TEXT_FIELDS, PhotoMetadata

_SEP = "\x1f"  # ASCII unit separator: cannot appear in a keyword or name the UI lets through


@dataclass
class NewPhoto:
    """Everything the importer knows about one file it is adding to the catalog."""

    content_hash: str
    path: str
    storage: str
    original_name: str
    source_path: str
    file_size: int
    file_mtime_ns: int
    format: str
    width: int
    height: int
    captured_at: str | None
    captured_at_source: str
    metadata: PhotoMetadata
    imported_at: str
    import_id: int | None = None


_CAMERA_FIELDS = (
    "camera_make",
    "camera_model",
    "body_serial",
    "lens",
    "exposure_time",
    "f_number",
    "iso",
    "focal_length",
    "gps_latitude",
    "gps_longitude",
    "gps_altitude",
)


# Local capture time as a Julian day plus the camera's clock offset. Sub-seconds and the UTC
# offset are left out on purpose: cameras at one event share a wall clock, and the per-camera
# offset corrects the ones that were wrong.
SORT_KEY_SQL = """julianday(substr(photos.captured_at, 1, 19)) + coalesce((
    SELECT cc.offset_seconds FROM camera_clocks cc
    WHERE cc.camera_make = coalesce(photos.camera_make, '')
      AND cc.camera_model = coalesce(photos.camera_model, '')
      AND cc.body_serial = coalesce(photos.body_serial, '')), 0) / 86400.0"""


def set_camera_clock_offset(
    conn: sqlite3.Connection, make: str | None, model: str | None, serial: str | None, seconds: int
) -> int:
    """Shift one camera body's photos on the time line; returns how many photos moved.

    The caller owns the transaction.
    """
    key = (make or "", model or "", serial or "")
    conn.execute(
        "INSERT INTO camera_clocks (camera_make, camera_model, body_serial, offset_seconds)"
        " VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET offset_seconds = excluded.offset_seconds",
        (*key, seconds),
    )
    cursor = conn.execute(
        f"UPDATE photos SET captured_sort = {SORT_KEY_SQL}"
        " WHERE coalesce(camera_make, '') = ? AND coalesce(camera_model, '') = ?"
        " AND coalesce(body_serial, '') = ?",
        key,
    )
    return cursor.rowcount


def insert_photo(conn: sqlite3.Connection, photo: NewPhoto) -> int:
    """Add one photo with its keywords and people; the caller owns the transaction."""
    meta = photo.metadata
    columns: dict[str, Any] = {
        "content_hash": photo.content_hash,
        "path": photo.path,
        "storage": photo.storage,
        "original_name": photo.original_name,
        "source_path": photo.source_path,
        "file_size": photo.file_size,
        "file_mtime_ns": photo.file_mtime_ns,
        "format": photo.format,
        "width": photo.width,
        "height": photo.height,
        "orientation": meta.orientation if 1 <= meta.orientation <= 8 else 1,
        "captured_at": photo.captured_at,
        "captured_at_source": photo.captured_at_source,
        "rating": min(max(meta.rating or 0, 0), 5),
        # Lightroom's and Bridge's reject (xmp:Rating -1) and colour label survive the import.
        "flag": -1 if "rejected" in meta.sources else 0,
        "color_label": meta.color_label,
        "metadata_sources": json.dumps(meta.sources, sort_keys=True),
        "metadata_warnings": json.dumps(meta.warnings),
        "import_id": photo.import_id,
        "imported_at": photo.imported_at,
    }
    for name in TEXT_FIELDS + _CAMERA_FIELDS:
        columns[name] = getattr(meta, name)
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    cursor = conn.execute(f"INSERT INTO photos ({names}) VALUES ({marks})", tuple(columns.values()))
    photo_id = int(cursor.lastrowid or 0)
    conn.execute(f"UPDATE photos SET captured_sort = {SORT_KEY_SQL} WHERE id = ?", (photo_id,))
    set_keywords(conn, photo_id, meta.keywords)
    set_people(conn, photo_id, meta.people)
    return photo_id


def _term_ids(conn: sqlite3.Connection, table: str, column: str, terms: list[str]) -> list[int]:
    ids: list[int] = []
    for term in dict.fromkeys(t.strip() for t in terms if t.strip()):
        if table == "people":
            # "zoë müller" typed in a hurry is the Zoë Müller already in the register.
            existing = conn.execute(
                "SELECT id FROM people WHERE casefold(name) = casefold(?)"
                " ORDER BY name = ? DESC, id LIMIT 1",
                (term, term),
            ).fetchone()
            if existing is not None:
                ids.append(int(existing[0]))
                continue
        extra = ", created_at" if table == "people" else ""
        values = ", datetime('now')" if table == "people" else ""
        conn.execute(
            f"INSERT INTO {table} ({column}{extra}) VALUES (?{values}) ON CONFLICT DO NOTHING",
            (term,),
        )
        row = conn.execute(f"SELECT id FROM {table} WHERE {column} = ?", (term,)).fetchone()
        ids.append(int(row[0]))
    return ids


def set_keywords(conn: sqlite3.Connection, photo_id: int, keywords: list[str]) -> None:
    """Give the photo exactly these keywords, in this order (new keywords are created).

    Three statements whatever the number of keywords: an undo of a keyword added to 1,000
    photos runs this 1,000 times, and one lookup and one insert per keyword per photo were
    most of its time."""
    paths = list(dict.fromkeys(k.strip() for k in keywords if k.strip()))
    conn.execute("DELETE FROM photo_keywords WHERE photo_id = ?", (photo_id,))
    if not paths:
        return
    wanted = json.dumps(paths, ensure_ascii=False)
    conn.execute(
        "INSERT INTO keywords (path) SELECT value FROM json_each(?) WHERE true"
        " ON CONFLICT DO NOTHING",
        (wanted,),
    )
    conn.execute(
        "INSERT INTO photo_keywords (photo_id, keyword_id, position)"
        " SELECT ?, k.id, j.key FROM json_each(?) AS j JOIN keywords AS k ON k.path = j.value",
        (photo_id, wanted),
    )


def set_people(conn: sqlite3.Connection, photo_id: int, names: list[str]) -> None:
    conn.execute("DELETE FROM photo_people WHERE photo_id = ?", (photo_id,))
    conn.executemany(
        "INSERT INTO photo_people (photo_id, person_id, position) VALUES (?, ?, ?)",
        [(photo_id, pid, pos) for pos, pid in enumerate(_term_ids(conn, "people", "name", names))],
    )


@dataclass
class PhotoQuery:
    """Which photos to list and in what order. Every filter is optional and they combine.

    Everything except the consent verdict is a SQL condition. The verdict is not stored (it
    depends on today's date and the register), so it is decided by the consent policy over the
    rows SQL already selected: the same function the export gate uses, so a filter can never
    disagree with an export.
    """

    camera: str | None = None
    """Text the camera's make and model contain (``nikon``)."""
    camera_body: tuple[str, str, str] | None = None
    """One camera body exactly: (make, model, serial), ``""`` for a missing part."""
    min_rating: int | None = None
    max_rating: int | None = None
    """``max_rating=0`` lists the unrated photos."""
    flag: int | None = None
    """1 picks, -1 rejects, 0 photos with neither."""
    hide_rejects: bool = False
    color_label: str | None = None
    """A colour label, or ``""`` for photos without one."""
    keyword: str | None = None
    """A keyword path; matches the keyword and everything below it (``Sessions`` finds
    ``Sessions|Panel``)."""
    person: str | None = None
    """A name; matched without regard to case, as tagging matches names."""
    has_caption: bool | None = None
    has_alt_text: bool | None = None
    taken_from: str | None = None
    """ISO local date-time; compared with the capture time corrected by the camera's clock
    offset. Photos without a capture time are left out when either bound is set."""
    taken_until: str | None = None
    consent_use: str | None = None
    """The use the verdict filter is about (``web``, ``social``, ``print``, ``internal``)."""
    verdict: str | None = None
    """``cleared``, ``needs_review`` or ``blocked`` for :attr:`consent_use` (``web`` if unset)."""
    ids: list[int] | None = None
    sort: str = "time"
    """``"time"`` (capture time with per-camera clock offsets), ``"filename"`` or ``"rating"``."""
    descending: bool = False
    limit: int | None = None
    params: list[Any] = field(default_factory=list, repr=False)

    def is_filtered(self) -> bool:
        """True when any filter is set (sort order and limit are not filters)."""
        texts = (self.camera, self.keyword, self.person, self.taken_from, self.taken_until)
        others = (
            self.camera_body,
            self.min_rating,
            self.max_rating,
            self.flag,
            self.color_label,
            self.has_caption,
            self.has_alt_text,
            self.verdict,
            self.ids,
        )
        return any(texts) or self.hide_rejects or any(value is not None for value in others)


_SORTS = {
    "time": "p.captured_sort",
    "filename": "p.path",
    "rating": "p.rating",
}
VERDICTS = ("cleared", "needs_review", "blocked")


def _where(query: PhotoQuery) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if query.camera:
        clauses.append(
            "trim(coalesce(p.camera_make, '') || ' ' || coalesce(p.camera_model, ''))"
            " LIKE ? ESCAPE '\\'"
        )
        params.append(f"%{_escape_like(query.camera)}%")
    if query.camera_body is not None:
        clauses.append(
            "coalesce(p.camera_make, '') = ? AND coalesce(p.camera_model, '') = ?"
            " AND coalesce(p.body_serial, '') = ?"
        )
        params += list(query.camera_body)
    if query.min_rating is not None:
        clauses.append("p.rating >= ?")
        params.append(query.min_rating)
    if query.max_rating is not None:
        clauses.append("p.rating <= ?")
        params.append(query.max_rating)
    if query.flag is not None:
        clauses.append("p.flag = ?")
        params.append(query.flag)
    if query.hide_rejects:
        clauses.append("p.flag != -1")
    if query.color_label is not None:
        if query.color_label:
            clauses.append("p.color_label = ?")
            params.append(query.color_label)
        else:
            clauses.append("coalesce(p.color_label, '') = ''")
    if query.keyword:
        # Whole levels, any case: "panel" finds Sessions|Panel, "sessions" finds Sessions and
        # everything below it, "sess" finds nothing.
        term = "|".join(part.strip() for part in query.keyword.split("|")).casefold()
        clauses.append(
            "p.id IN (SELECT pk.photo_id FROM photo_keywords pk WHERE pk.keyword_id IN"
            " (SELECT k.id FROM keywords k"
            "  WHERE '|' || casefold(k.path) || '|' LIKE ? ESCAPE '\\'))"
        )
        params.append(f"%|{_escape_like(term)}|%")
    if query.person:
        clauses.append(
            "p.id IN (SELECT pp.photo_id FROM photo_people pp JOIN people pe"
            " ON pe.id = pp.person_id WHERE casefold(pe.name) = casefold(?))"
        )
        params.append(" ".join(query.person.split()))
    for flag, column in ((query.has_caption, "caption"), (query.has_alt_text, "alt_text")):
        if flag is True:
            clauses.append(f"trim(coalesce(p.{column}, '')) != ''")
        elif flag is False:
            clauses.append(f"trim(coalesce(p.{column}, '')) = ''")
    for bound, operator in ((query.taken_from, ">="), (query.taken_until, "<=")):
        if bound:
            clauses.append(f"p.captured_sort {operator} julianday(?)")
            params.append(_check_time(bound))
    if query.ids is not None:
        clauses.append(f"p.id IN ({', '.join('?' for _ in query.ids) or 'NULL'})")
        params += query.ids
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _check_time(text: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"{text!r} is not a date and time such as 2026-05-14T09:30") from None
    return moment.replace(tzinfo=None).isoformat(timespec="seconds")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _from_and_order(query: PhotoQuery, *, with_limit: bool = True) -> tuple[str, list[Any]]:
    where, params = _where(query)
    order = _SORTS.get(query.sort)
    if order is None:
        raise ValueError(f"unknown sort {query.sort!r}; use one of {', '.join(_SORTS)}")
    direction = "DESC" if query.descending else "ASC"
    sql = f" FROM photos p{where} ORDER BY {order} {direction}, p.id {direction}"
    if with_limit and query.limit is not None and query.verdict is None:
        sql += " LIMIT ?"
        params.append(query.limit)
    return sql, params


def _with_verdict(conn: sqlite3.Connection, query: PhotoQuery, ids: list[int]) -> list[int]:
    """Keep the photos whose verdict is the one asked for, in the order SQL gave them."""
    if query.verdict is None:
        return ids
    if query.verdict not in VERDICTS:
        raise UserError(f"unknown verdict {query.verdict!r}; use one of {', '.join(VERDICTS)}")
    # Imported here: the consent store builds on the catalog, not the other way round.
    from gallery_app.core.consent.store import decisions

    decided = decisions(conn, query.consent_use or "web", photo_ids=ids)
    kept = [i for i in ids if decided[i].verdict.value == query.verdict]
    return kept if query.limit is None else kept[: query.limit]


def list_photo_ids(conn: sqlite3.Connection, query: PhotoQuery | None = None) -> list[int]:
    """The ids of the photos that match, in display order (what a grid needs)."""
    query = query or PhotoQuery()
    sql, params = _from_and_order(query)
    cursor = conn.cursor()
    cursor.row_factory = None
    ids = [row[0] for row in cursor.execute("SELECT p.id" + sql, params)]
    return _with_verdict(conn, query, ids)


_SUMMARY_COLUMNS = (
    "p.id, p.path, p.original_name, p.captured_at, p.captured_at_source, p.camera_make,"
    " p.camera_model, p.width, p.height, p.rating, p.flag, p.color_label, p.caption, p.title,"
    " p.headline, p.alt_text, p.creator, p.credit, p.copyright,"
    " (p.gps_latitude IS NOT NULL AND p.gps_longitude IS NOT NULL) AS has_gps"
)


def list_photos(conn: sqlite3.Connection, query: PhotoQuery | None = None) -> list[dict[str, Any]]:
    """One summary dict per matching photo, in display order (``gallery-app photos``)."""
    query = query or PhotoQuery()
    sql, params = _from_and_order(query)
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: a third of the time of sqlite3.Row for 20k rows
    rows = cursor.execute(f"SELECT {_SUMMARY_COLUMNS}" + sql, params).fetchall()
    if query.verdict is not None:
        kept = set(_with_verdict(conn, query, [row[0] for row in rows]))
        rows = [row for row in rows if row[0] in kept]
    wanted = {row[0] for row in rows}
    keywords = _terms_by_photo(
        conn, "keywords", "path", "photo_keywords", "keyword_id", photo_ids=wanted
    )
    people = _terms_by_photo(conn, "people", "name", "photo_people", "person_id", photo_ids=wanted)
    return [_summary(row, keywords.get(row[0], []), people.get(row[0], [])) for row in rows]


def _terms_by_photo(
    conn: sqlite3.Connection,
    table: str,
    column: str,
    link: str,
    link_column: str,
    *,
    photo_ids: set[int],
) -> dict[int, list[str]]:
    """Each photo's terms in their stored order, without a join or a sort in SQL: the term
    table is small and the link table is read in primary-key order."""
    names = dict(conn.execute(f"SELECT id, {column} FROM {table}").fetchall())
    positioned: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for photo_id, term_id, position in conn.execute(
        f"SELECT photo_id, {link_column}, position FROM {link}"
    ):
        if photo_id in photo_ids:
            positioned[photo_id].append((position, names[term_id]))
    return {pid: [term for _, term in sorted(terms)] for pid, terms in positioned.items()}


def count_photos(conn: sqlite3.Connection) -> int:
    """How many photos the project holds (the M of "N of M")."""
    return int(conn.execute("SELECT count(*) FROM photos").fetchone()[0])


def keyword_counts(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    """Every keyword path in the project with how many photos carry it, by path: the
    vocabulary keyword autocomplete offers (a keyword no photo carries any more still is)."""
    return [
        (row[0], int(row[1]))
        for row in conn.execute(
            "SELECT k.path, count(pk.photo_id) FROM keywords k"
            " LEFT JOIN photo_keywords pk ON pk.keyword_id = k.id GROUP BY k.id ORDER BY k.path"
        )
    ]


def keyword_paths(conn: sqlite3.Connection) -> list[str]:
    """Every keyword path the project knows, by path (cheap: no photo is read)."""
    return [str(row[0]) for row in conn.execute("SELECT path FROM keywords ORDER BY path")]


def people_names(conn: sqlite3.Connection) -> list[str]:
    """Everyone in the register, by name: the names people autocomplete offers."""
    return [str(row[0]) for row in conn.execute("SELECT name FROM people ORDER BY casefold(name)")]


def capture_range(conn: sqlite3.Connection) -> tuple[str, str] | None:
    """First and last corrected capture time (ISO, local), or None when no photo has one."""
    row = conn.execute(
        "SELECT datetime(min(captured_sort)), datetime(max(captured_sort)) FROM photos"
        " WHERE captured_sort IS NOT NULL"
    ).fetchone()
    if row is None or row[0] is None:
        return None
    return str(row[0]).replace(" ", "T"), str(row[1]).replace(" ", "T")


def camera_label(make: str | None, model: str | None) -> str | None:
    """ "Canon Canon EOS 40D" → "Canon EOS 40D": many cameras repeat the make in the model."""
    make = (make or "").strip()
    model = (model or "").strip()
    if not make:
        return model or None
    if not model:
        return make
    first_word = make.split()[0].lower()
    if model.lower().startswith(first_word):
        return model
    return f"{make} {model}"


_FLAGS = {-1: "reject", 0: None, 1: "pick"}


def file_name(stored_path: str) -> str:
    """The last part of a stored path, whichever separator the machine that stored it used."""
    return stored_path.replace("\\", "/").rsplit("/", 1)[-1]


def _summary(row: tuple[Any, ...], keywords: list[str], people: list[str]) -> dict[str, Any]:
    (photo_id, path, original_name, captured_at, captured_at_source, make, model, width, height,
     rating, flag, color_label, caption, title, headline, alt_text, creator, credit, copyright,
     has_gps) = row  # fmt: skip
    return {
        "id": photo_id,
        "filename": file_name(path),
        "original_name": original_name,
        "captured_at": captured_at,
        "captured_at_source": captured_at_source,
        "camera": camera_label(make, model),
        "width": width,
        "height": height,
        "rating": rating,
        "flag": _FLAGS[flag],
        "color_label": color_label,
        "caption": caption,
        "title": title,
        "headline": headline,
        "alt_text": alt_text,
        "keywords": keywords,
        "people": people,
        "creator": creator,
        "credit": credit,
        "copyright": copyright,
        "has_gps": bool(has_gps),
    }


def get_photo(conn: sqlite3.Connection, photo_id: int) -> dict[str, Any]:
    """Everything the catalog knows about one photo (``gallery-app show``)."""
    row = conn.execute("SELECT * FROM photos WHERE id = ?", (photo_id,)).fetchone()
    if row is None:
        raise PhotoNotFound(f"there is no photo with id {photo_id} in this project")
    keywords = [
        r[0]
        for r in conn.execute(
            "SELECT k.path FROM photo_keywords pk JOIN keywords k ON k.id = pk.keyword_id"
            " WHERE pk.photo_id = ? ORDER BY pk.position",
            (photo_id,),
        )
    ]
    people = [
        r[0]
        for r in conn.execute(
            "SELECT pe.name FROM photo_people pp JOIN people pe ON pe.id = pp.person_id"
            " WHERE pp.photo_id = ? ORDER BY pp.position",
            (photo_id,),
        )
    ]
    result = dict(row)
    result["filename"] = file_name(row["path"])
    result["camera"] = camera_label(row["camera_make"], row["camera_model"])
    result["flag"] = {-1: "reject", 0: None, 1: "pick"}[row["flag"]]
    result["keywords"] = keywords
    result["people"] = people
    result["has_gps"] = row["gps_latitude"] is not None and row["gps_longitude"] is not None
    result["metadata_sources"] = json.loads(row["metadata_sources"])
    result["metadata_warnings"] = json.loads(row["metadata_warnings"])
    return result


def photo_exists_for_source(
    conn: sqlite3.Connection, source_path: str, size: int, mtime_ns: int
) -> bool:
    """True if this exact file (same place, size and time) was imported before: a stat, not a
    hash, decides that re-running an import over the same folder adds nothing."""
    row = conn.execute(
        "SELECT 1 FROM photos WHERE source_path = ? AND file_size = ? AND file_mtime_ns = ?",
        (source_path, size, mtime_ns),
    ).fetchone()
    return row is not None


def known_hashes(conn: sqlite3.Connection) -> set[str]:
    """Hashes that make a file a duplicate: as imported, and as rewritten by write-back."""
    hashes = {row[0] for row in conn.execute("SELECT content_hash FROM photos")}
    hashes.update(row[0] for row in conn.execute("SELECT content_hash FROM photo_writes"))
    return hashes
