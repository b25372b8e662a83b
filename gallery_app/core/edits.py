"""Edits to photos as reversible data: the basis of undo/redo in every front end.

An :class:`Edit` lists, per photo and field, the value before and after. Applying it writes the
"after" values; its :meth:`Edit.inverse` swaps them. A change to 300 selected photos is *one*
edit, applied in one transaction and undone in one step. The history lives in the catalog
(``edit_history``), so undo survives closing the app; the desktop app wraps these same objects
in a ``QUndoStack`` and the CLI calls :func:`undo` and :func:`redo` directly.

People shown are remembered by their register id (:class:`TaggedPerson`), not by name: a person
renamed after the edit (a typo fixed in the register) is still the person undo puts back, and
undo never turns an old name into a new person with unknown consent. If the person is no longer
in the register at all, the undo is refused with their name and nothing changes.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from gallery_app.core import audit, caption_templates
from gallery_app.core.catalog import photos as photo_rows
from gallery_app.core.catalog.database import id_chunks, transaction
from gallery_app.core.errors import PhotoNotFound, UserError
from gallery_app.core.project import Project, now_iso

TEXT_FIELDS = ("caption", "title", "headline", "alt_text", "creator", "credit", "copyright")
SCALAR_FIELDS = (*TEXT_FIELDS, "rating", "flag", "color_label", "no_identifiable_people")
LIST_FIELDS = ("keywords", "people")
COLOR_LABELS = ("red", "yellow", "green", "blue", "purple")


@dataclass(frozen=True)
class TaggedPerson:
    """Someone shown on a photo, as an edit remembers them.

    ``id`` is what undo and redo restore; ``name`` is what they were called when the edit was
    made, kept only to name them in a message. ``id`` is ``None`` only in an edit migrated from
    a catalog that stored names, when the name matched nobody in the register (see migration
    6): such a tag cannot be restored, so undoing it is refused rather than guessed.
    """

    id: int | None
    name: str


class EditNotApplicable(UserError):
    """Undo or redo would tag someone who is no longer in the people register.

    Re-creating them from the name would add a stranger with unknown consent, so the step is
    refused, the catalog and the history stay as they were, and the message names them.
    """


@dataclass(frozen=True)
class FieldChange:
    """One field of one photo, before and after. For ``people`` both are tuples of
    :class:`TaggedPerson`; for ``keywords`` lists of paths; otherwise plain values."""

    photo_id: int
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Edit:
    """A set of field changes that is applied, undone and redone as one step."""

    description: str
    changes: tuple[FieldChange, ...]

    @property
    def photo_ids(self) -> list[int]:
        return sorted({c.photo_id for c in self.changes})

    def inverse(self) -> Edit:
        return Edit(
            f"undo {self.description}",
            tuple(FieldChange(c.photo_id, c.field, c.after, c.before) for c in self.changes),
        )

    def apply(self, conn: sqlite3.Connection) -> None:
        """Write the "after" values; the caller owns the transaction.

        Raises :class:`EditNotApplicable` (before writing anything) if a person to be tagged is
        no longer in the register.
        """
        missing = _missing_people(conn, self)
        if missing:
            raise _refusal("apply", self.description, missing)
        for change in self.changes:
            if change.field in SCALAR_FIELDS:
                conn.execute(
                    f"UPDATE photos SET {change.field} = ? WHERE id = ?",
                    (change.after, change.photo_id),
                )
            elif change.field == "keywords":
                photo_rows.set_keywords(conn, change.photo_id, list(change.after))
            elif change.field == "people":
                _set_people_ids(conn, change.photo_id, [p.id for p in change.after])
            else:
                raise ValueError(f"unknown field {change.field!r}")

    def to_json(self) -> str:
        """The stored form: ``[photo_id, field, before, after]`` per change; people as
        ``[id, name]`` pairs."""
        return json.dumps(
            [
                [
                    c.photo_id,
                    c.field,
                    _stored_value(c.field, c.before),
                    _stored_value(c.field, c.after),
                ]
                for c in self.changes
            ],
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, description: str, data: str) -> Edit:
        return cls(
            description,
            tuple(
                FieldChange(photo_id, name, _loaded_value(name, before), _loaded_value(name, after))
                for photo_id, name, before, after in json.loads(data)
            ),
        )


def _stored_value(field_name: str, value: Any) -> Any:
    if field_name == "people":
        return [[person.id, person.name] for person in value]
    return value


def _loaded_value(field_name: str, value: Any) -> Any:
    if field_name != "people":
        return value
    # A bare name is the form before migration 6; it can only reach here from a catalog
    # edited by hand, and then it restores nobody (refused) rather than a namesake.
    return tuple(
        TaggedPerson(None, item) if isinstance(item, str) else TaggedPerson(item[0], item[1])
        for item in value
    )


def _missing_people(conn: sqlite3.Connection, edit: Edit) -> list[TaggedPerson]:
    """The people ``edit`` would tag who are not in the register (any more)."""
    wanted: dict[int | None, TaggedPerson] = {}
    for change in edit.changes:
        if change.field == "people":
            for person in change.after:
                wanted.setdefault(person.id, person)
    ids = [i for i in wanted if i is not None]
    known = {
        int(row[0])
        for chunk, marks in id_chunks(ids)
        for row in conn.execute(f"SELECT id FROM people WHERE id IN ({marks})", chunk)
    }
    return sorted(
        (person for person_id, person in wanted.items() if person_id not in known),
        key=lambda p: (p.name.casefold(), p.id or 0),
    )


def _refusal(verb: str, description: str, missing: list[TaggedPerson]) -> EditNotApplicable:
    who = ", ".join(f"{p.name} (id {p.id})" if p.id is not None else p.name for p in missing)
    one = len(missing) == 1
    return EditNotApplicable(
        f"cannot {verb} “{description}”: it would tag {who}, who "
        f"{'is' if one else 'are'} no longer in the people register. Nothing was changed; "
        f"tag the photos by hand if they show {'this person' if one else 'these people'}"
    )


def _set_people_ids(conn: sqlite3.Connection, photo_id: int, person_ids: list[int | None]) -> None:
    conn.execute("DELETE FROM photo_people WHERE photo_id = ?", (photo_id,))
    conn.executemany(
        "INSERT INTO photo_people (photo_id, person_id, position) VALUES (?, ?, ?)",
        [(photo_id, person_id, pos) for pos, person_id in enumerate(dict.fromkeys(person_ids))],
    )


@dataclass
class EditRequest:
    """What the user asked to change on every selected photo. ``None`` leaves a field alone;
    an empty string clears a text field."""

    caption: str | None = None
    title: str | None = None
    headline: str | None = None
    alt_text: str | None = None
    creator: str | None = None
    credit: str | None = None
    copyright: str | None = None
    rating: int | None = None
    flag: int | None = None
    """1 pick, -1 reject, 0 unflag."""
    color_label: str | None = None
    """One of :data:`COLOR_LABELS`, or "" to clear."""
    no_identifiable_people: bool | None = None
    add_keywords: list[str] = field(default_factory=list)
    remove_keywords: list[str] = field(default_factory=list)
    add_people: list[str] = field(default_factory=list)
    remove_people: list[str] = field(default_factory=list)
    templates: dict[str, str] = field(default_factory=dict)
    """Text field → template (:mod:`caption_templates`), filled in per photo. The filled
    text sees the keywords and people as this same request leaves them."""

    def validate(self) -> None:
        if self.rating is not None and not 0 <= self.rating <= 5:
            raise UserError(f"rating must be 0 to 5, not {self.rating}")
        if self.flag is not None and self.flag not in (-1, 0, 1):
            raise UserError("flag must be pick, reject or unflag")
        if self.color_label not in (None, "", *COLOR_LABELS):
            raise UserError(f"colour label must be one of {', '.join(COLOR_LABELS)}")
        for keyword in self.add_keywords:
            parts = keyword.split("|")
            if any(not part.strip() for part in parts):
                raise UserError(f"keyword {keyword!r} has an empty level")
        for name, template in self.templates.items():
            if name not in TEXT_FIELDS:
                raise UserError(f"{name.replace('_', ' ')} cannot be filled from a template")
            if getattr(self, name) is not None:
                raise UserError(f"{name.replace('_', ' ')} is given both as text and a template")
            caption_templates.check(template)

    def is_empty(self) -> bool:
        scalars = [getattr(self, name) for name in SCALAR_FIELDS]
        lists = [self.add_keywords, self.remove_keywords, self.add_people, self.remove_people]
        return all(v is None for v in scalars) and not any(lists) and not self.templates

    def describe(self, count: int) -> str:
        parts = [
            name.replace("_", " ")
            for name in SCALAR_FIELDS
            if getattr(self, name) is not None or name in self.templates
        ]
        if self.add_keywords or self.remove_keywords:
            parts.append("keywords")
        if self.add_people or self.remove_people:
            parts.append("people")
        what = ", ".join(parts) or "nothing"
        return f"set {what} on {count} photo{'s' if count != 1 else ''}"


def _normalise_keyword(keyword: str) -> str:
    return "|".join(part.strip() for part in keyword.split("|"))


def _clean_text(value: str) -> str | None:
    text = value.strip()
    return text or None


def build_edit(conn: sqlite3.Connection, photo_ids: list[int], request: EditRequest) -> Edit:
    """The edit that turns the photos' current values into what ``request`` asks for; fields
    that would not change are left out.

    A name among ``add_people`` that nobody in the register has joins it now, with unknown
    consent (logged), so that the edit can remember them by id. The caller owns the
    transaction: an edit that is refused or rolled back takes the new person with it.
    """
    request.validate()
    changes: list[FieldChange] = []
    ids = list(dict.fromkeys(photo_ids))
    current = {row["id"]: row for row in _current_rows(conn, ids)}
    missing = [i for i in ids if i not in current]
    if missing:
        raise PhotoNotFound(f"there is no photo with id {missing[0]} in this project")
    add_keywords = [_normalise_keyword(k) for k in request.add_keywords]
    remove_keywords = {_normalise_keyword(k) for k in request.remove_keywords}
    add_people = _people_to_tag(conn, request.add_people) if ids else []
    remove_people = {" ".join(p.split()) for p in request.remove_people}
    new_lists: dict[int, tuple[list[str], list[TaggedPerson]]] = {}
    for photo_id in ids:
        row = current[photo_id]
        keywords = [k for k in row["keywords"] if k not in remove_keywords]
        keywords += [k for k in add_keywords if k not in keywords]
        people = [p for p in row["people"] if p.name not in remove_people]
        shown = {p.id for p in people}
        people += [p for p in add_people if p.id not in shown]
        new_lists[photo_id] = (keywords, people)
    filled: dict[int, dict[str, str]] = {}
    if request.templates:
        values = caption_templates.photo_values(
            conn,
            ids,
            keywords={i: lists[0] for i, lists in new_lists.items()},
            people={i: [p.name for p in lists[1]] for i, lists in new_lists.items()},
        )
        filled = {
            photo_id: {
                name: caption_templates.expand(template, values[photo_id])
                for name, template in request.templates.items()
            }
            for photo_id in ids
        }
    for photo_id in ids:
        row = current[photo_id]
        for name in SCALAR_FIELDS:
            wanted = getattr(request, name)
            if name in request.templates:
                wanted = filled[photo_id][name]
            if wanted is None:
                continue
            if name in TEXT_FIELDS or name == "color_label":
                wanted = _clean_text(wanted)
            elif name == "no_identifiable_people":
                wanted = int(wanted)
            if row[name] != wanted:
                changes.append(FieldChange(photo_id, name, row[name], wanted))
        new_keywords, new_people = new_lists[photo_id]
        if new_keywords != row["keywords"]:
            changes.append(FieldChange(photo_id, "keywords", list(row["keywords"]), new_keywords))
        if new_people != row["people"]:
            changes.append(FieldChange(photo_id, "people", tuple(row["people"]), tuple(new_people)))
    return Edit(request.describe(len(ids)), tuple(changes))


def _people_to_tag(conn: sqlite3.Connection, names: list[str]) -> list[TaggedPerson]:
    """The register's people for the names a user typed; a new name joins the register."""
    people: dict[int, TaggedPerson] = {}
    for name in dict.fromkeys(" ".join(n.split()) for n in names if n.strip()):
        # "zoë müller" typed in a hurry is the Zoë Müller already in the register.
        row = conn.execute(
            "SELECT id, name FROM people WHERE casefold(name) = casefold(?)"
            " ORDER BY name = ? DESC, id LIMIT 1",
            (name, name),
        ).fetchone()
        if row is None:
            cursor = conn.execute(
                "INSERT INTO people (name, created_at) VALUES (?, ?)", (name, now_iso())
            )
            person_id = int(cursor.lastrowid or 0)
            audit.record(
                conn,
                action="person_added",
                subject=f"person:{person_id}",
                details={"name": name, "via": "tagging", "consent": "unknown"},
            )
            row = (person_id, name)
        people.setdefault(int(row[0]), TaggedPerson(int(row[0]), str(row[1])))
    return list(people.values())


def _current_rows(conn: sqlite3.Connection, ids: list[int]) -> list[dict[str, Any]]:
    # Three queries per block of photos, not two per photo: a bulk edit of 1,000 photos
    # reads them all here, on the desktop app's catalog thread.
    rows: list[dict[str, Any]] = []
    for chunk, marks in id_chunks(ids):
        block = [
            {**dict(row), "keywords": [], "people": []}
            for row in conn.execute(
                f"SELECT id, {', '.join(SCALAR_FIELDS)} FROM photos WHERE id IN ({marks})", chunk
            )
        ]
        by_id = {record["id"]: record for record in block}
        for photo_id, path in conn.execute(
            "SELECT pk.photo_id, k.path FROM photo_keywords pk"
            " JOIN keywords k ON k.id = pk.keyword_id"
            f" WHERE pk.photo_id IN ({marks}) ORDER BY pk.photo_id, pk.position",
            chunk,
        ):
            by_id[photo_id]["keywords"].append(path)
        for photo_id, person_id, name in conn.execute(
            "SELECT pp.photo_id, pe.id, pe.name FROM photo_people pp"
            " JOIN people pe ON pe.id = pp.person_id"
            f" WHERE pp.photo_id IN ({marks}) ORDER BY pp.photo_id, pp.position",
            chunk,
        ):
            by_id[photo_id]["people"].append(TaggedPerson(int(person_id), str(name)))
        rows += block
    return rows


def apply_edit(project: Project, photo_ids: list[int], request: EditRequest) -> Edit:
    """Change the photos as asked, in one transaction, and make it the newest undo step.

    A new name among ``add_people`` creates a person in the register with unknown consent.
    Returns the edit (with no changes if everything already was as asked).
    """
    conn = project.conn
    with transaction(conn):
        edit = build_edit(conn, photo_ids, request)
        if not edit.changes:
            return edit
        edit.apply(conn)
        # A new edit makes the undone ones unreachable, as in every editor.
        conn.execute("DELETE FROM edit_history WHERE undone = 1")
        conn.execute(
            "INSERT INTO edit_history (at, actor, description, changes) VALUES (?, ?, ?, ?)",
            (now_iso(), audit.current_actor(), edit.description, edit.to_json()),
        )
    return edit


def undo(project: Project) -> Edit | None:
    """Undo the newest edit not yet undone; ``None`` if there is nothing to undo."""
    return _step(project, undoing=True)


def redo(project: Project) -> Edit | None:
    """Redo the edit undone last; ``None`` if there is nothing to redo."""
    return _step(project, undoing=False)


def _step(project: Project, *, undoing: bool) -> Edit | None:
    """Move one step through the history: undone edits are redone oldest first, because
    they were undone newest first."""
    conn = project.conn
    order = "DESC" if undoing else "ASC"
    with transaction(conn):
        row = conn.execute(
            "SELECT id, description, changes FROM edit_history WHERE undone = ?"
            f" ORDER BY id {order} LIMIT 1",
            (0 if undoing else 1,),
        ).fetchone()
        if row is None:
            return None
        edit = Edit.from_json(row["description"], row["changes"])
        step = edit.inverse() if undoing else edit
        # Checked here too, to say "undo"/"redo" rather than apply; the history stays put.
        missing = _missing_people(conn, step)
        if missing:
            raise _refusal("undo" if undoing else "redo", edit.description, missing)
        step.apply(conn)
        conn.execute(
            "UPDATE edit_history SET undone = ? WHERE id = ?", (1 if undoing else 0, row["id"])
        )
    return edit


def history(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """Descriptions of what undo and redo would do next, newest first."""
    undo_list = [
        r[0]
        for r in conn.execute(
            "SELECT description FROM edit_history WHERE undone = 0 ORDER BY id DESC"
        )
    ]
    redo_list = [
        r[0]
        for r in conn.execute("SELECT description FROM edit_history WHERE undone = 1 ORDER BY id")
    ]
    return {"undo": undo_list, "redo": redo_list}
