"""The register of people who may appear in the event's photos.

People come from the event's registration export (:func:`import_registration`), from tagging
(a new name becomes a person with unknown consent) or are added by hand. A person is found by
id, by e-mail or by name (case-insensitive), so that the CLI and the GUI can name them the way
a comms officer would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gallery_app.core import audit
from gallery_app.core.catalog.database import transaction
from gallery_app.core.consent.model import ROLES, USES, ConsentStatus
from gallery_app.core.errors import UserError
from gallery_app.core.project import Project, now_iso


@dataclass(frozen=True)
class Person:
    """One entry of the register."""

    id: int
    name: str
    email: str | None
    organisation: str | None
    role: str | None
    minor: bool

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Person:
        return cls(
            id=row["id"],
            name=row["name"],
            email=row["email"],
            organisation=row["organisation"],
            role=row["role"],
            minor=bool(row["minor"]),
        )


_PERSON_COLUMNS = "id, name, email, organisation, role, minor"


def find_person(conn: sqlite3.Connection, key: str) -> Person:
    """The person a user means by ``key``: an id, an e-mail address or a name."""
    text = " ".join(key.split())
    row = None
    if text.isdigit():
        row = conn.execute(
            f"SELECT {_PERSON_COLUMNS} FROM people WHERE id = ?", (int(text),)
        ).fetchone()
    if row is None and "@" in text:
        row = conn.execute(
            f"SELECT {_PERSON_COLUMNS} FROM people WHERE email = ? COLLATE NOCASE", (text,)
        ).fetchone()
    if row is None:
        rows = conn.execute(
            f"SELECT {_PERSON_COLUMNS} FROM people WHERE casefold(name) = casefold(?)", (text,)
        ).fetchall()
        if len(rows) > 1:
            raise UserError(f"more than one person is called {text!r}; use their id or e-mail")
        row = rows[0] if rows else None
    if row is None:
        raise UserError(f"there is nobody called {text!r} in the people register")
    return Person.from_row(row)


def _check_role(role: str | None) -> str | None:
    if role is None or not role.strip():
        return None
    value = role.strip().lower()
    if value not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return value


def _clean_identity(name: str, email: str | None) -> tuple[str, str | None]:
    """(name, e-mail) as the register stores them: spaces folded, e-mail lower case or None."""
    clean_name = " ".join(name.split())
    if not clean_name:
        raise UserError("a person needs a name")
    clean_email = email.strip().lower() if email and email.strip() else None
    return clean_name, clean_email


def _refuse_clash(
    conn: sqlite3.Connection, name: str, email: str | None, *, other_than: int | None = None
) -> None:
    """Refuse a name or e-mail that someone else (not ``other_than``) already has: tagging
    and the registration import find people by either, so both must stay unique."""
    clash = conn.execute(
        "SELECT name, email FROM people WHERE id IS NOT ? AND (casefold(name) = casefold(?)"
        " OR (email IS NOT NULL AND email = ? COLLATE NOCASE))",
        (other_than, name, email),
    ).fetchone()
    if clash is not None:
        raise UserError(
            f"{clash['name']} ({clash['email'] or 'no e-mail'}) is already in the register"
        )


def add_person(
    project: Project,
    *,
    name: str,
    email: str | None = None,
    organisation: str | None = None,
    role: str | None = None,
    minor: bool = False,
) -> Person:
    """Add someone to the register (consent unknown until a record is added)."""
    clean_name, clean_email = _clean_identity(name, email)
    conn = project.conn
    with transaction(conn):
        _refuse_clash(conn, clean_name, clean_email)
        cursor = conn.execute(
            "INSERT INTO people (name, email, organisation, role, minor, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                clean_name,
                clean_email,
                organisation or None,
                _check_role(role),
                int(minor),
                now_iso(),
            ),
        )
        person_id = int(cursor.lastrowid or 0)
        audit.record(
            conn,
            action="person_added",
            subject=f"person:{person_id}",
            details={"name": clean_name, "email": clean_email, "minor": minor},
        )
    return find_person(conn, str(person_id))


def update_person(
    project: Project,
    person_id: int,
    *,
    name: str,
    email: str | None = None,
    organisation: str | None = None,
    role: str | None = None,
    minor: bool = False,
) -> Person:
    """Correct someone's details (a typo in a name, a missing e-mail, a minor flag).

    Consent records are not touched: they stay attached to the person. The audit log keeps
    what each changed field was before and after, because marking someone as a minor (or not)
    changes the verdict on every photo of them.
    """
    clean_name, clean_email = _clean_identity(name, email)
    conn = project.conn
    with transaction(conn):
        before = find_person(conn, str(person_id))
        if before.id != person_id:
            raise UserError(f"there is nobody with id {person_id} in the people register")
        _refuse_clash(conn, clean_name, clean_email, other_than=person_id)
        after = {
            "name": clean_name,
            "email": clean_email,
            "organisation": (organisation or "").strip() or None,
            "role": _check_role(role),
            "minor": bool(minor),
        }
        changed = {
            key: {"before": getattr(before, key), "after": value}
            for key, value in after.items()
            if getattr(before, key) != value
        }
        if changed:
            conn.execute(
                "UPDATE people SET name = ?, email = ?, organisation = ?, role = ?, minor = ?"
                " WHERE id = ?",
                (
                    after["name"],
                    after["email"],
                    after["organisation"],
                    after["role"],
                    int(minor),
                    person_id,
                ),
            )
            audit.record(
                conn, action="person_updated", subject=f"person:{person_id}", details=changed
            )
    return find_person(conn, str(person_id))


def list_people(conn: sqlite3.Connection, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Everyone in the register with today's consent state per use and their photo count."""
    from gallery_app.core.consent import store
    from gallery_app.core.consent.policy import consent_state

    day = today or dt.date.today()
    people = [
        Person.from_row(r)
        for r in conn.execute(
            f"SELECT {_PERSON_COLUMNS} FROM people ORDER BY name COLLATE NOCASE, id"
        )
    ]
    histories = store.person_consents(conn, [p.id for p in people])
    counts = dict(
        conn.execute("SELECT person_id, count(*) FROM photo_people GROUP BY person_id").fetchall()
    )
    result = []
    for person in people:
        history = histories[person.id]
        result.append(
            {
                "id": person.id,
                "name": person.name,
                "email": person.email,
                "organisation": person.organisation,
                "role": person.role,
                "minor": person.minor,
                "consent": {use: consent_state(history, use, day)[0].value for use in USES},
                "photos": int(counts.get(person.id, 0)),
            }
        )
    return result


def import_registration(
    project: Project,
    path: Path,
    *,
    mapping: dict[str, str] | None = None,
    default_uses: tuple[str, ...] = USES,
) -> dict[str, Any]:
    """Bring an event registration export into the register, all or nothing.

    People are matched by e-mail, else by name. Known people get missing details filled in,
    never overwritten. A consent answer becomes a consent record only if it differs from what
    the person's latest record from the same column says, so importing the same file twice
    changes nothing. Rows that cannot be interpreted are reported with their row number;
    consent is never guessed.
    """
    from gallery_app.core.consent import store
    from gallery_app.core.people.registration_csv import parse_registration_csv

    parsed = parse_registration_csv(path, mapping, default_uses)
    file_id = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    added = updated = unchanged = consent_records = 0
    conn = project.conn
    with transaction(conn):
        for row in parsed.rows:
            existing = None
            if row.email:
                existing = conn.execute(
                    f"SELECT {_PERSON_COLUMNS} FROM people WHERE email = ? COLLATE NOCASE",
                    (row.email,),
                ).fetchone()
            if existing is None:
                existing = conn.execute(
                    f"SELECT {_PERSON_COLUMNS} FROM people WHERE casefold(name) = casefold(?)"
                    " AND (email IS NULL OR ? IS NULL)",
                    (row.name, row.email),
                ).fetchone()
            if existing is None:
                cursor = conn.execute(
                    "INSERT INTO people (name, email, organisation, role, minor, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        row.name,
                        row.email,
                        row.organisation,
                        row.role,
                        int(bool(row.minor)),
                        now_iso(),
                    ),
                )
                person = find_person(conn, str(cursor.lastrowid))
                added += 1
            else:
                person = Person.from_row(existing)
                fills = {
                    "email": (person.email, row.email),
                    "organisation": (person.organisation, row.organisation),
                    "role": (person.role, row.role),
                }
                changed: dict[str, str | int | None] = {
                    k: new for k, (old, new) in fills.items() if old is None and new
                }
                if row.minor and not person.minor:
                    changed["minor"] = 1
                for column, value in changed.items():
                    conn.execute(f"UPDATE people SET {column} = ? WHERE id = ?", (value, person.id))
                if changed:
                    updated += 1
                else:
                    unchanged += 1
            consent_records += store.import_consent_answers(
                conn,
                person,
                answers=row.consent,
                evidence=row.evidence,
                guardian=row.guardian,
                source=f"registration:{path.name}",
            )
        audit.record(
            conn,
            action="people_imported",
            subject=f"file:{path.name}",
            details={
                "sha256_16": file_id,
                "added": added,
                "updated": updated,
                "consent_records": consent_records,
                "problems": len(parsed.problems),
            },
        )
    return {
        "added": added,
        "updated": updated,
        "unchanged": unchanged,
        "consent_records": consent_records,
        "problems": [{"row": p.row_number, "error": p.message} for p in parsed.problems],
        "columns": parsed.columns,
    }


def export_people(conn: sqlite3.Connection, path: Path, today: dt.date | None = None) -> int:
    """Write the register with today's consent per use to a CSV that opens safely in Excel."""
    from gallery_app.core.people.registration_csv import write_people_csv

    people = list_people(conn, today)
    header = [
        "id",
        "name",
        "email",
        "organisation",
        "role",
        "minor",
        *[f"consent_{u}" for u in USES],
        "photos",
    ]
    rows = [
        [
            str(p["id"]),
            p["name"],
            p["email"],
            p["organisation"],
            p["role"],
            "yes" if p["minor"] else "no",
            *[p["consent"][u] for u in USES],
            str(p["photos"]),
        ]
        for p in people
    ]
    write_people_csv(path, header, rows)
    return len(rows)


__all__ = [
    "ConsentStatus",
    "Person",
    "add_person",
    "export_people",
    "find_person",
    "import_registration",
    "list_people",
    "update_person",
]
