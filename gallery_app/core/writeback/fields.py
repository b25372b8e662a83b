"""What the catalog says a photo's file should hold, and a fingerprint of it.

The same values are written into the file, compared after the write (verification), and
hashed into a fingerprint that is stored with each write, so that "changed since written" is a
comparison of two hashes — cheap enough for the grid to ask about thousands of photos.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections import defaultdict
from dataclasses import asdict, dataclass

from gallery_app.core.catalog.database import id_chunks
from gallery_app.core.consent import store
from gallery_app.core.consent.release import model_release_status
from gallery_app.core.export.model import EmbeddedMetadata

__all__ = ["WRITER_VERSION", "WriteFields", "fields_for", "fingerprint"]

WRITER_VERSION = 2
"""Part of every fingerprint: bump when what is written changes, so every photo shows as
changed and the next write-back brings the files up to date. 2: face regions of people no
longer tagged are removed (files written by 1 may still name them), ``xmp:MetadataDate``."""


@dataclass(frozen=True)
class WriteFields:
    """One photo's values as they go into the file (project defaults already applied)."""

    title: str | None
    headline: str | None
    caption: str | None
    alt_text: str | None
    ext_description: str | None
    creator: str | None
    credit: str | None
    copyright: str | None
    usage_terms: str | None
    keywords: tuple[str, ...]
    people: tuple[str, ...]
    event: str | None
    rating: int
    rejected: bool
    color_label: str | None
    model_release_status: str | None

    @property
    def xmp_rating(self) -> int:
        """Lightroom's convention: -1 is "rejected", otherwise the stars."""
        return -1 if self.rejected else self.rating

    def embedded(self) -> EmbeddedMetadata:
        """The same values in the shape the export's block builders take."""
        return EmbeddedMetadata(
            title=self.title,
            headline=self.headline,
            caption=self.caption,
            alt_text=self.alt_text,
            ext_description=self.ext_description,
            creator=self.creator,
            credit=self.credit,
            copyright=self.copyright,
            usage_terms=self.usage_terms,
            keywords=self.keywords,
            event=self.event,
            people=self.people,
            model_release_status=self.model_release_status,
        )


def fingerprint(fields: WriteFields) -> str:
    document = {"writer": WRITER_VERSION, **asdict(fields)}
    text = json.dumps(document, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _blank(value: str | None) -> str | None:
    return value if value is not None and value.strip() else None


def fields_for(
    conn: sqlite3.Connection, photo_ids: list[int], today: dt.date | None = None
) -> dict[int, WriteFields]:
    """The values to write for each photo that exists (missing ids are left out)."""
    day = today or dt.date.today()
    project = conn.execute("SELECT event_name, creator, credit, copyright FROM project").fetchone()
    rows: dict[int, sqlite3.Row] = {}
    for chunk, marks in id_chunks(photo_ids):
        for row in conn.execute(
            "SELECT id, title, headline, caption, alt_text, ext_description, creator, credit,"
            " copyright, usage_terms, rating, flag, color_label FROM photos"
            f" WHERE id IN ({marks})",
            chunk,
        ):
            rows[int(row["id"])] = row
    keywords = _terms(
        conn, "photo_keywords", table="keywords", link_column="keyword_id", column="path", rows=rows
    )
    people = _terms(
        conn, "photo_people", table="people", link_column="person_id", column="name", rows=rows
    )
    facts = store.load_facts(conn, list(rows))
    result: dict[int, WriteFields] = {}
    for photo_id, row in rows.items():
        result[photo_id] = WriteFields(
            title=_blank(row["title"]),
            headline=_blank(row["headline"]),
            caption=_blank(row["caption"]),
            alt_text=_blank(row["alt_text"]),
            ext_description=_blank(row["ext_description"]),
            creator=_blank(row["creator"]) or _blank(project["creator"]),
            credit=_blank(row["credit"]) or _blank(project["credit"]),
            copyright=_blank(row["copyright"]) or _blank(project["copyright"]),
            usage_terms=_blank(row["usage_terms"]),
            keywords=tuple(keywords.get(photo_id, ())),
            people=tuple(people.get(photo_id, ())),
            event=_blank(project["event_name"]),
            rating=int(row["rating"] or 0),
            rejected=int(row["flag"] or 0) == -1,
            color_label=_blank(row["color_label"]),
            model_release_status=model_release_status(facts.get(photo_id), day),
        )
    return result


def _terms(
    conn: sqlite3.Connection,
    link: str,
    *,
    table: str,
    link_column: str,
    column: str,
    rows: dict[int, sqlite3.Row],
) -> dict[int, list[str]]:
    found: dict[int, list[tuple[int, str]]] = defaultdict(list)
    ids = list(rows)
    for chunk, marks in id_chunks(ids):
        for photo_id, position, term in conn.execute(
            f"SELECT l.photo_id, l.position, t.{column} FROM {link} l"
            f" JOIN {table} t ON t.id = l.{link_column} WHERE l.photo_id IN ({marks})",
            chunk,
        ):
            found[int(photo_id)].append((int(position), str(term)))
    return {pid: [t for _, t in sorted(terms)] for pid, terms in found.items()}
