"""Consent in the catalog: records, verdicts for real photos, overrides, withdrawal, audit."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from gallery_app.core import audit, edits
from gallery_app.core.catalog import photos
from gallery_app.core.catalog.database import transaction
from gallery_app.core.consent import store
from gallery_app.core.consent.model import ConsentStatus, Verdict
from gallery_app.core.errors import UserError
from gallery_app.core.people import register
from gallery_app.core.project import Project
from tests.helpers import new_photo


def _photo(project: Project, n: int, people: list[str] | None = None) -> int:
    with transaction(project.conn) as conn:
        return photos.insert_photo(conn, new_photo(n, people=people or []))


def _grant(project: Project, who: str, uses: str = "all", **kwargs: object) -> None:
    store.add_record(
        project,
        who,
        store.new_record(ConsentStatus.GRANTED, store.parse_uses(uses), **kwargs),  # type: ignore[arg-type]
    )


def test_verdicts_follow_the_register(project: Project) -> None:
    register.add_person(project, name="Ana Müller", email="ana@example.org")
    register.add_person(project, name="Sam Lee")
    register.add_person(project, name="Kit Lee", minor=True)
    both = _photo(project, 1, ["Ana Müller", "Sam Lee"])
    nobody = _photo(project, 2)
    empty_room = _photo(project, 3)
    edits.apply_edit(project, [empty_room], edits.EditRequest(no_identifiable_people=True))
    child = _photo(project, 4, ["Kit Lee"])

    _grant(project, "ana@example.org", "web,print", evidence="form F-1")
    report = store.report(project.conn, "web")
    assert report["cleared"] == [empty_room]
    review = {item["id"]: item["reasons"] for item in report["needs_review"]}
    assert any("Sam Lee" in r for r in review[both])
    assert any("no people are tagged" in r for r in review[nobody])

    store.add_record(
        project, "Sam Lee", store.new_record(ConsentStatus.REFUSED, store.parse_uses("web"))
    )
    blocked = {item["id"]: item["reasons"] for item in store.report(project.conn, "web")["blocked"]}
    assert any("Sam Lee" in r for r in blocked[both])
    # Print is a different use: Sam said nothing about it, so it still needs review.
    assert both in {i["id"] for i in store.report(project.conn, "print")["needs_review"]}

    _grant(project, "Kit Lee")
    review = {i["id"]: i["reasons"] for i in store.report(project.conn, "web")["needs_review"]}
    assert any("minor" in r for r in review[child])
    _grant(project, "Kit Lee", guardian="Jo Lee (mother)")
    assert child in store.report(project.conn, "web")["cleared"]


def test_expired_consent_blocks(project: Project) -> None:
    register.add_person(project, name="Ana")
    photo = _photo(project, 1, ["Ana"])
    _grant(project, "Ana", valid_until=dt.date(2026, 6, 30))
    assert (
        store.decisions(project.conn, "web", dt.date(2026, 6, 30))[photo].verdict is Verdict.CLEARED
    )
    late = store.decisions(project.conn, "web", dt.date(2026, 7, 1))[photo]
    assert late.verdict is Verdict.BLOCKED and "expired" in " ".join(late.reasons)


def test_override_clears_needs_review_but_never_blocked(project: Project) -> None:
    register.add_person(project, name="Sam")
    photo = _photo(project, 1, ["Sam"])
    decision = store.override(project, photo, "web", "Sam is in the far background")
    assert decision.verdict is Verdict.CLEARED
    assert decision.overridden is not None
    assert store.report(project.conn, "social")["cleared"] == []  # per use
    store.add_record(
        project, "Sam", store.new_record(ConsentStatus.REFUSED, store.parse_uses("web"))
    )
    assert store.decisions(project.conn, "web")[photo].verdict is Verdict.BLOCKED
    with pytest.raises(UserError, match="cannot be overridden"):
        store.override(project, photo, "web", "please")
    actions = [e["action"] for e in audit.entries(project.conn)]
    assert "override" in actions and "consent_refused" in actions


def test_stale_override_stops_applying(project: Project) -> None:
    register.add_person(project, name="Sam")
    photo = _photo(project, 1, ["Sam"])
    store.override(project, photo, "web", "background")
    edits.apply_edit(project, [photo], edits.EditRequest(add_people=["New Face"]))
    assert store.decisions(project.conn, "web")[photo].verdict is Verdict.NEEDS_REVIEW


def test_withdrawal_lists_photos_and_exported_files(project: Project) -> None:
    register.add_person(project, name="Ana Müller", email="ana@example.org")
    shown = [_photo(project, n, ["Ana Müller"]) for n in (1, 2)]
    _photo(project, 3)
    _grant(project, "Ana Müller")
    with transaction(project.conn) as conn:
        conn.execute(
            "INSERT INTO exports (id, created_at, preset, use, out_dir, actor)"
            " VALUES (1, '2026-05-20T10:00:00+01:00', 'website', 'web', '/srv/gallery', 'jo')"
        )
        conn.executemany(
            "INSERT INTO export_files (export_id, photo_id, path, kind) VALUES (1, ?, ?, ?)",
            [
                (shown[0], "images/0001-960.jpg", "image"),
                (shown[0], "index.html", "page"),
                (shown[1], "images/0002-960.jpg", "image"),
                (shown[1], "index.html", "page"),
            ],
        )
    result = store.withdraw(project, "ana@example.org", reason="email of 2026-11-02")
    assert result["photos"] == shown
    assert result["exports"] == [
        {
            "export": 1,
            "out_dir": "/srv/gallery",
            "preset": "website",
            "created_at": "2026-05-20T10:00:00+01:00",
            "files": ["images/0001-960.jpg", "index.html", "images/0002-960.jpg"],
        }
    ]
    for photo in shown:
        assert store.decisions(project.conn, "web")[photo].verdict is Verdict.BLOCKED
    last = audit.entries(project.conn)[-1]
    assert last["action"] == "consent_withdrawn" and last["reason"] == "email of 2026-11-02"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET reason = 'rewritten'",
        "DELETE FROM audit_log",
        "UPDATE consent_records SET status = 'granted'",
        "DELETE FROM consent_records",
        "UPDATE consent_overrides SET reason = 'x'",
        "DELETE FROM consent_overrides",
    ],
)
def test_history_tables_are_append_only(project: Project, statement: str) -> None:
    register.add_person(project, name="Sam")
    photo = _photo(project, 1, ["Sam"])
    store.override(project, photo, "web", "background")
    store.add_record(
        project, "Sam", store.new_record(ConsentStatus.REFUSED, store.parse_uses("print"))
    )
    before = audit.entries(project.conn)
    with (
        pytest.raises(sqlite3.IntegrityError, match="append-only"),
        transaction(project.conn) as conn,
    ):
        conn.execute(statement)
    assert audit.entries(project.conn) == before
