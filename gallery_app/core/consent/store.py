"""Consent as stored in the catalog: records, overrides, and the use cases built on them.

The rules themselves live in :mod:`gallery_app.core.consent.policy` (pure functions); this
module loads the facts they need for many photos at once, appends records and overrides (with
their audit entries, in the same transaction) and answers the questions the front ends ask:
the report for one use, and what a withdrawal touches.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import defaultdict
from typing import Any

from gallery_app.core import audit
from gallery_app.core.catalog.database import id_chunks, transaction
from gallery_app.core.consent.model import (
    USES,
    ConsentRecord,
    ConsentStatus,
    Decision,
    Override,
    PersonConsent,
    PhotoFacts,
    Verdict,
)
from gallery_app.core.consent.policy import decide
from gallery_app.core.errors import PhotoNotFound, UserError
from gallery_app.core.people.register import Person, find_person
from gallery_app.core.project import Project, now_iso


def parse_uses(text: str | None) -> frozenset[str]:
    """``"web,social"`` → the uses; ``None``, ``""`` or ``"all"`` → every use."""
    if text is None or not text.strip() or text.strip().lower() == "all":
        return frozenset(USES)
    uses = {part.strip().lower() for part in text.split(",") if part.strip()}
    unknown = sorted(uses - set(USES))
    if unknown:
        raise UserError(f"unknown use {unknown[0]!r}; uses are {', '.join(USES)} (or all)")
    return frozenset(uses)


def check_use(use: str) -> str:
    if use not in USES:
        raise UserError(f"unknown use {use!r}; uses are {', '.join(USES)}")
    return use


def _record_from_row(row: sqlite3.Row) -> ConsentRecord:
    return ConsentRecord(
        id=row["id"],
        status=ConsentStatus(row["status"]),
        uses=frozenset(row["uses"].split(",")),
        valid_from=dt.date.fromisoformat(row["valid_from"]) if row["valid_from"] else None,
        valid_until=dt.date.fromisoformat(row["valid_until"]) if row["valid_until"] else None,
        evidence=row["evidence"],
        guardian=row["guardian"],
        recorded_by=row["recorded_by"],
        recorded_at=dt.datetime.fromisoformat(row["recorded_at"]),
    )


def person_consents(conn: sqlite3.Connection, person_ids: list[int]) -> dict[int, PersonConsent]:
    """Each person with their whole consent history, as the policy wants them."""
    if not person_ids:
        return {}
    records: dict[int, list[ConsentRecord]] = defaultdict(list)
    people: dict[int, PersonConsent] = {}
    for chunk, marks in id_chunks(person_ids):
        for row in conn.execute(
            f"SELECT * FROM consent_records WHERE person_id IN ({marks}) ORDER BY recorded_at, id",
            chunk,
        ):
            records[row["person_id"]].append(_record_from_row(row))
        for row in conn.execute(f"SELECT id, name, minor FROM people WHERE id IN ({marks})", chunk):
            people[row["id"]] = PersonConsent(row["id"], row["name"], bool(row["minor"]))
    return {
        pid: PersonConsent(p.person_id, p.name, p.minor, tuple(records[pid]))
        for pid, p in people.items()
    }


def load_facts(
    conn: sqlite3.Connection, photo_ids: list[int] | None = None
) -> dict[int, PhotoFacts]:
    """What the verdict depends on, for the given photos (all photos when ``None``)."""
    if photo_ids is None:
        rows = conn.execute("SELECT id, no_identifiable_people FROM photos").fetchall()
    else:
        rows = []
        for chunk, marks in id_chunks(photo_ids):
            rows += conn.execute(
                f"SELECT id, no_identifiable_people FROM photos WHERE id IN ({marks})", chunk
            ).fetchall()
    wanted = {row["id"] for row in rows}
    shown: dict[int, list[int]] = defaultdict(list)
    for photo_id, person_id in _rows_for(
        conn,
        "SELECT photo_id, person_id FROM photo_people",
        "ORDER BY photo_id, position",
        photo_ids,
    ):
        if photo_id in wanted:
            shown[photo_id].append(person_id)
    people = person_consents(conn, sorted({p for ids in shown.values() for p in ids}))
    overrides: dict[int, list[Override]] = defaultdict(list)
    for row in _rows_for(conn, "SELECT * FROM consent_overrides", "ORDER BY id", photo_ids):
        if row["photo_id"] in wanted:
            overrides[row["photo_id"]].append(
                Override(
                    use=row["use"],
                    reason=row["reason"],
                    reasons=frozenset(json.loads(row["reasons"])),
                    by=row["overridden_by"],
                    at=dt.datetime.fromisoformat(row["overridden_at"]),
                )
            )
    return {
        row["id"]: PhotoFacts(
            photo_id=row["id"],
            people=tuple(people[p] for p in shown[row["id"]]),
            no_identifiable_people=bool(row["no_identifiable_people"]),
            overrides=tuple(overrides[row["id"]]),
        )
        for row in rows
    }


def _rows_for(
    conn: sqlite3.Connection, select: str, order: str, photo_ids: list[int] | None
) -> list[sqlite3.Row]:
    """``select`` over all photos, or only over ``photo_ids`` through the photo_id index: a
    grid asks about one screenful at a time, and scanning every tag of a 20,000-photo event
    for each screenful costs tens of milliseconds."""
    if photo_ids is None:
        return conn.execute(f"{select} {order}").fetchall()
    result: list[sqlite3.Row] = []
    for chunk, marks in id_chunks(photo_ids):
        result += conn.execute(f"{select} WHERE photo_id IN ({marks}) {order}", chunk).fetchall()
    return result


def decisions(
    conn: sqlite3.Connection,
    use: str,
    today: dt.date | None = None,
    photo_ids: list[int] | None = None,
) -> dict[int, Decision]:
    """The verdict on each photo for one use."""
    check_use(use)
    day = today or dt.date.today()
    return {pid: decide(facts, use, day) for pid, facts in load_facts(conn, photo_ids).items()}


def report(conn: sqlite3.Connection, use: str, today: dt.date | None = None) -> dict[str, Any]:
    """``gallery-app consent report``: cleared ids, and the others with their reasons."""
    result: dict[str, Any] = {"use": use, "cleared": [], "needs_review": [], "blocked": []}
    for photo_id, decision in sorted(decisions(conn, use, today).items()):
        if decision.verdict is Verdict.CLEARED:
            result["cleared"].append(photo_id)
        else:
            result[decision.verdict.value].append(
                {"id": photo_id, "reasons": list(decision.reasons)}
            )
    return result


def _insert_record(
    conn: sqlite3.Connection, person: Person, record: ConsentRecord, source: str | None
) -> int:
    cursor = conn.execute(
        "INSERT INTO consent_records (person_id, status, uses, valid_from, valid_until, evidence,"
        " guardian, recorded_by, recorded_at, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            person.id,
            record.status.value,
            ",".join(u for u in USES if u in record.uses),
            record.valid_from.isoformat() if record.valid_from else None,
            record.valid_until.isoformat() if record.valid_until else None,
            record.evidence,
            record.guardian,
            record.recorded_by,
            record.recorded_at.isoformat(timespec="seconds"),
            source,
        ),
    )
    audit.record(
        conn,
        action=f"consent_{record.status.value}",
        subject=f"person:{person.id}",
        details={
            "name": person.name,
            "uses": sorted(record.uses),
            "valid_from": record.valid_from.isoformat() if record.valid_from else None,
            "valid_until": record.valid_until.isoformat() if record.valid_until else None,
            "evidence": record.evidence,
            "guardian": record.guardian,
            "source": source,
        },
        reason=record.evidence,
        actor=record.recorded_by,
    )
    return int(cursor.lastrowid or 0)


def new_record(
    status: ConsentStatus,
    uses: frozenset[str],
    *,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    evidence: str | None = None,
    guardian: str | None = None,
) -> ConsentRecord:
    if valid_from and valid_until and valid_until < valid_from:
        raise UserError("consent cannot end before it starts")
    return ConsentRecord(
        status=status,
        uses=uses,
        valid_from=valid_from,
        valid_until=valid_until,
        evidence=evidence or None,
        guardian=guardian or None,
        recorded_by=audit.current_actor(),
        recorded_at=dt.datetime.now().astimezone().replace(microsecond=0),
    )


def add_record(project: Project, person_key: str, record: ConsentRecord) -> Person:
    """Append a consent record for one person (never replaces an earlier one)."""
    conn = project.conn
    with transaction(conn):
        person = find_person(conn, person_key)
        _insert_record(conn, person, record, source="manual")
    return person


def import_consent_answers(
    conn: sqlite3.Connection,
    person: Person,
    *,
    answers: dict[str, ConsentStatus | None],
    evidence: str,
    guardian: str | None,
    source: str,
) -> int:
    """Record what a registration row answered, unless this source already said exactly that.

    Answers are grouped by status, one record per status. A use is skipped when the latest
    record from the same source (same file name) already gives it that status, which is what
    makes re-importing a file a no-op while a changed answer in a newer export still counts.
    """
    latest_from_source: dict[str, str] = {}
    for row in conn.execute(
        "SELECT status, uses FROM consent_records WHERE person_id = ? AND source = ?"
        " ORDER BY recorded_at, id",
        (person.id, source),
    ):
        for use in row["uses"].split(","):
            latest_from_source[use] = row["status"]
    by_status: dict[ConsentStatus, set[str]] = defaultdict(set)
    for use, status in answers.items():
        if status is not None and latest_from_source.get(use) != status.value:
            by_status[status].add(use)
    for status, uses in sorted(by_status.items()):
        record = new_record(status, frozenset(uses), evidence=evidence, guardian=guardian)
        _insert_record(conn, person, record, source)
    return len(by_status)


def withdraw(project: Project, person_key: str, reason: str | None = None) -> dict[str, Any]:
    """Record that someone withdrew consent for every use, and say what that touches.

    Returns every photo showing the person and every exported file that contains one of those
    photos and has not been taken down yet, grouped by export: the takedown list.
    """
    conn = project.conn
    with transaction(conn):
        person = find_person(conn, person_key)
        record = new_record(ConsentStatus.WITHDRAWN, frozenset(USES), evidence=reason)
        _insert_record(conn, person, record, source="withdrawal")
    return affected_by(conn, person)


def affected_by(conn: sqlite3.Connection, person: Person) -> dict[str, Any]:
    photo_ids = [
        r[0]
        for r in conn.execute(
            "SELECT photo_id FROM photo_people WHERE person_id = ? ORDER BY photo_id", (person.id,)
        )
    ]
    exports: dict[int, dict[str, Any]] = {}
    for photo_id in photo_ids:
        for row in conn.execute(
            "SELECT e.id, e.out_dir, e.preset, e.created_at, f.path FROM export_files f"
            " JOIN exports e ON e.id = f.export_id"
            " WHERE f.photo_id = ? AND f.removed_at IS NULL ORDER BY e.id, f.path",
            (photo_id,),
        ):
            entry = exports.setdefault(
                row["id"],
                {
                    "export": row["id"],
                    "out_dir": row["out_dir"],
                    "preset": row["preset"],
                    "created_at": row["created_at"],
                    "files": [],
                },
            )
            if row["path"] not in entry["files"]:
                entry["files"].append(row["path"])
    return {
        "person": {"id": person.id, "name": person.name, "email": person.email},
        "photos": photo_ids,
        "exports": list(exports.values()),
    }


def override(project: Project, photo_id: int, use: str, reason: str) -> Decision:
    """Let a needs-review photo be used for ``use`` anyway, with a reason that is recorded."""
    check_use(use)
    if not reason.strip():
        raise UserError("an override needs a reason")
    conn = project.conn
    with transaction(conn):
        if conn.execute("SELECT 1 FROM photos WHERE id = ?", (photo_id,)).fetchone() is None:
            raise PhotoNotFound(f"there is no photo with id {photo_id} in this project")
        current = decisions(conn, use, photo_ids=[photo_id])[photo_id]
        if current.verdict is Verdict.BLOCKED:
            raise UserError(
                f"photo {photo_id} is blocked for {use} use ({'; '.join(current.reasons)}); "
                "a blocked photo cannot be overridden"
            )
        if current.verdict is Verdict.CLEARED:
            raise UserError(f"photo {photo_id} is already cleared for {use} use")
        actor = audit.current_actor()
        conn.execute(
            "INSERT INTO consent_overrides (photo_id, use, reason, reasons, overridden_by,"
            " overridden_at) VALUES (?, ?, ?, ?, ?, ?)",
            (photo_id, use, reason.strip(), json.dumps(sorted(current.reasons)), actor, now_iso()),
        )
        audit.record(
            conn,
            action="override",
            subject=f"photo:{photo_id}",
            details={"use": use, "overrode": list(current.reasons)},
            reason=reason.strip(),
            actor=actor,
        )
        return decisions(conn, use, photo_ids=[photo_id])[photo_id]
