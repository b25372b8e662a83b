"""Browsing a project: every grid filter in SQL, the consent-verdict filter through the policy,
camera clocks set from one photo, caption templates, and what a selection has in common."""

from __future__ import annotations

import datetime as dt
import sqlite3
import time

import pytest

from gallery_app.core import audit, cameras, caption_templates, edits
from gallery_app.core.catalog import photos
from gallery_app.core.catalog.database import transaction
from gallery_app.core.consent import store
from gallery_app.core.consent.model import ConsentStatus
from gallery_app.core.errors import UserError
from gallery_app.core.project import Project
from gallery_app.core.selection_summary import summarise
from tests.helpers import new_photo


def _add(conn: sqlite3.Connection, n: int, **meta: object) -> int:
    photo = new_photo(n, **meta)
    return photos.insert_photo(conn, photo)


@pytest.fixture
def shoot(project: Project) -> dict[str, int]:
    """Six photos from three bodies (two of one model) with varied culling and metadata."""
    with transaction(project.conn) as conn:
        ids = {
            "a": _add(conn, 1, camera_make="Canon", camera_model="Canon EOS R6",
                      body_serial="111", rating=5, keywords=["Sessions|Panel"],
                      people=["Ana Müller"], caption="Panel"),
            "b": _add(conn, 2, camera_make="Canon", camera_model="Canon EOS R6",
                      body_serial="222", rating=3, alt_text="A panel on stage"),
            "c": _add(conn, 3, camera_make="NIKON CORPORATION", camera_model="NIKON D750",
                      rating=0, keywords=["Sessions"], people=["Sam Lee"]),
            "d": _add(conn, 4, camera_make="Apple", camera_model="iPhone 15", rating=1,
                      keywords=["Venue|Foyer"]),
            "e": _add(conn, 5, camera_make="Apple", camera_model="iPhone 15", rating=0),
            "f": _add(conn, 6, rating=2),
        }  # fmt: skip
    edits.apply_edit(project, [ids["a"]], edits.EditRequest(flag=1, color_label="green"))
    edits.apply_edit(project, [ids["b"]], edits.EditRequest(flag=-1, color_label="red"))
    edits.apply_edit(project, [ids["e"]], edits.EditRequest(no_identifiable_people=True))
    return ids


def _ids(project: Project, **query: object) -> list[int]:
    return photos.list_photo_ids(project.conn, photos.PhotoQuery(**query))  # type: ignore[arg-type]


def test_each_filter_selects_exactly_its_photos(project: Project, shoot: dict[str, int]) -> None:
    a, b, c, d, e, f = (shoot[k] for k in "abcdef")
    assert _ids(project) == [a, b, c, d, e, f]
    assert _ids(project, min_rating=3) == [a, b]
    assert _ids(project, max_rating=0) == [c, e]
    assert _ids(project, min_rating=1, max_rating=2) == [d, f]
    assert _ids(project, flag=1) == [a]
    assert _ids(project, flag=-1) == [b]
    assert _ids(project, flag=0) == [c, d, e, f]
    assert _ids(project, color_label="red") == [b]
    assert _ids(project, color_label="") == [c, d, e, f]
    assert _ids(project, keyword="Sessions") == [a, c]
    assert _ids(project, keyword="Sessions|Panel") == [a]
    assert _ids(project, keyword="panel") == [a]
    assert _ids(project, keyword="sessions | panel") == [a]
    assert _ids(project, keyword="Sess") == []
    assert _ids(project, keyword="50%_") == []
    assert _ids(project, hide_rejects=True) == [a, c, d, e, f]
    assert _ids(project, person="ana müller") == [a]
    assert _ids(project, has_caption=True) == [a]
    assert _ids(project, has_alt_text=True) == [b]
    assert _ids(project, has_alt_text=False) == [a, c, d, e, f]
    assert _ids(project, camera_body=("Canon", "Canon EOS R6", "222")) == [b]
    assert _ids(project, camera_body=("", "", "")) == [f]
    assert _ids(project, camera="iphone") == [d, e]
    # Combined filters narrow each other.
    assert _ids(project, camera="canon", flag=0) == []
    assert _ids(project, keyword="Sessions", min_rating=1) == [a]
    # Sorts.
    assert _ids(project, sort="rating", descending=True) == [a, b, f, d, e, c]
    assert _ids(project, sort="filename") == sorted(
        shoot.values(), key=lambda i: photos.get_photo(project.conn, i)["path"]
    )


def test_time_range_uses_corrected_capture_time(project: Project, shoot: dict[str, int]) -> None:
    a, b, c, d, e, f = (shoot[k] for k in "abcdef")
    # new_photo n is taken at 10:00:0n.
    assert _ids(project, taken_from="2026-05-14T10:00:03") == [c, d, e, f]
    assert _ids(project, taken_until="2026-05-14T10:00:02") == [a, b]
    assert _ids(project, taken_from="2026-05-14T10:00:02", taken_until="2026-05-14T10:00:04") == [
        b,
        c,
        d,
    ]
    # The second Canon body was 10 minutes slow; corrected, it falls out of the range.
    cameras.set_clock_offset(project, ("Canon", "Canon EOS R6", "222"), 600)
    assert _ids(project, taken_until="2026-05-14T10:00:05") == [a, c, d, e]
    assert _ids(project)[-1] == b
    with pytest.raises(UserError, match="not a date"):
        _ids(project, taken_from="yesterday")


def test_verdict_filter_agrees_with_the_consent_policy(
    project: Project, shoot: dict[str, int]
) -> None:
    a, c, e = shoot["a"], shoot["c"], shoot["e"]
    store.add_record(
        project, "Ana Müller", store.new_record(ConsentStatus.GRANTED, store.parse_uses("web"))
    )
    store.add_record(
        project, "Sam Lee", store.new_record(ConsentStatus.REFUSED, store.parse_uses("all"))
    )
    for use in ("web", "print"):
        verdicts = store.decisions(project.conn, use)
        for verdict in photos.VERDICTS:
            expected = [i for i in _ids(project) if verdicts[i].verdict.value == verdict]
            assert _ids(project, consent_use=use, verdict=verdict) == expected
    assert _ids(project, verdict="cleared") == [a, e]
    assert _ids(project, consent_use="print", verdict="cleared") == [e]
    assert _ids(project, verdict="blocked") == [c]
    # The verdict combines with SQL filters and with a limit applied after it.
    assert _ids(project, verdict="cleared", min_rating=1) == [a]
    assert _ids(project, verdict="needs_review", limit=1) == [shoot["b"]]
    rows = photos.list_photos(project.conn, photos.PhotoQuery(verdict="blocked"))
    assert [r["id"] for r in rows] == [c]
    with pytest.raises(UserError, match="unknown verdict"):
        _ids(project, verdict="maybe")


def test_is_filtered_ignores_sort_but_sees_every_filter() -> None:
    assert not photos.PhotoQuery(sort="rating", descending=True, limit=3).is_filtered()
    assert not photos.PhotoQuery(keyword="", person="").is_filtered()
    assert photos.PhotoQuery(color_label="").is_filtered()
    assert photos.PhotoQuery(flag=0).is_filtered()
    assert photos.PhotoQuery(hide_rejects=True).is_filtered()
    assert photos.PhotoQuery(verdict="blocked").is_filtered()


@pytest.mark.usefixtures("shoot")
def test_vocabulary_counts_and_range(project: Project) -> None:
    assert photos.count_photos(project.conn) == 6
    assert photos.keyword_counts(project.conn) == [
        ("Sessions", 1),
        ("Sessions|Panel", 1),
        ("Venue|Foyer", 1),
    ]
    assert photos.people_names(project.conn) == ["Ana Müller", "Sam Lee"]
    assert photos.keyword_paths(project.conn) == ["Sessions", "Sessions|Panel", "Venue|Foyer"]
    assert photos.capture_range(project.conn) == ("2026-05-14T10:00:01", "2026-05-14T10:00:06")


def test_camera_bodies_are_told_apart_and_clocks_set_from_one_photo(
    project: Project, shoot: dict[str, int]
) -> None:
    bodies = {b.key: b for b in cameras.list_cameras(project.conn)}
    assert bodies[("Canon", "Canon EOS R6", "111")].label == "Canon EOS R6 (serial 111)"
    assert bodies[("Apple", "iPhone 15", "")].label == "Apple iPhone 15"
    assert bodies[("Apple", "iPhone 15", "")].photos == 2
    assert bodies[("", "", "")].label == "Unknown camera"

    # The iPhone's photo d (10:00:04) was really taken at 10:00:00 the next day.
    d = shoot["d"]
    true_time = dt.datetime(2026, 5, 15, 10, 0, 0)
    offset = cameras.offset_from_photo(project.conn, d, true_time)
    assert offset == 86400 - 4
    change = cameras.set_clock_offset(project, cameras.camera_of(project.conn, d).key, offset)
    assert (change.before, change.after, change.moved) == (0, offset, 2)
    assert _ids(project)[-2:] == [d, shoot["e"]]
    corrected = project.conn.execute(
        "SELECT datetime(captured_sort) FROM photos WHERE id = ?", (d,)
    ).fetchone()[0]
    assert corrected == "2026-05-15 10:00:00"
    assert cameras.camera_of(project.conn, d).offset_seconds == offset
    entry = project.conn.execute(
        "SELECT action, details FROM audit_log WHERE action = 'camera_clock_offset'"
    ).fetchone()
    assert entry is not None and "Apple iPhone 15" in entry["details"]
    assert audit.current_actor()
    # Undoing is setting the old offset back.
    cameras.set_clock_offset(project, change.camera.key, change.before)
    assert _ids(project) == [shoot[k] for k in "abcdef"]
    assert cameras.describe_offset(-3725) == "1 h 2 min 5 s earlier"
    assert cameras.describe_offset(86400) == "1 d later"
    assert cameras.describe_offset(0) == "no correction"
    with pytest.raises(UserError, match="ten years"):
        cameras.set_clock_offset(project, change.camera.key, 11 * 365 * 86400)
    with pytest.raises(UserError, match="no photo"):
        cameras.set_clock_offset(project, ("Leica", "M11", ""), 5)


def test_clock_needs_a_capture_time(project: Project) -> None:
    with transaction(project.conn) as conn:
        photo = new_photo(1)
        photo.captured_at = None
        photo_id = photos.insert_photo(conn, photo)
    with pytest.raises(UserError, match="no capture time"):
        cameras.offset_from_photo(project.conn, photo_id, dt.datetime(2026, 5, 14, 9))


def test_template_expansion() -> None:
    values = {"event": "Open Data Summit", "venue": "", "date": "14 May 2026", "people": ""}
    assert caption_templates.expand("{event}, {venue}, {date}", values) == (
        "Open Data Summit, 14 May 2026"
    )
    assert caption_templates.expand("{event}: {people}", values) == "Open Data Summit"
    assert caption_templates.expand("{ event } ({venue})", values) == "Open Data Summit"
    assert caption_templates.join_names(["A", "B", "C"]) == "A, B and C"
    assert caption_templates.join_names(["A"]) == "A"
    assert caption_templates.human_date(dt.date(2026, 1, 2)) == "2 January 2026"
    with pytest.raises(UserError, match=r"\{speaker\}"):
        caption_templates.check("{speaker} on stage")
    with pytest.raises(UserError, match="brace"):
        caption_templates.check("{event")


def test_template_fills_each_photo_in_one_undo_step(
    project: Project, shoot: dict[str, int]
) -> None:
    a, c, f = shoot["a"], shoot["c"], shoot["f"]
    edit = edits.apply_edit(
        project,
        [a, c, f],
        edits.EditRequest(
            templates={"caption": "{event} at {venue}, {date}: {people} ({keywords})"},
            add_people=["Kit Lee"],
        ),
    )
    captions = {i: photos.get_photo(project.conn, i)["caption"] for i in (a, c, f)}
    assert captions == {
        a: "Open Data Summit 2026 at Town Hall, 14 May 2026: Ana Müller and Kit Lee (Panel)",
        c: "Open Data Summit 2026 at Town Hall, 14 May 2026: Sam Lee and Kit Lee (Sessions)",
        f: "Open Data Summit 2026 at Town Hall, 14 May 2026: Kit Lee",
    }
    assert edit.description == "set caption, people on 3 photos"
    assert edits.history(project.conn)["undo"][0] == edit.description
    edits.undo(project)
    assert photos.get_photo(project.conn, a)["caption"] == "Panel"
    assert photos.get_photo(project.conn, f)["caption"] is None
    assert caption_templates.preview(project.conn, c, "{camera} · {keywords}") == (
        "NIKON D750 · Sessions"
    )
    with pytest.raises(UserError, match="both"):
        edits.apply_edit(project, [a], edits.EditRequest(caption="x", templates={"caption": "y"}))
    with pytest.raises(UserError, match="template"):
        edits.apply_edit(project, [a], edits.EditRequest(templates={"rating": "{event}"}))


def test_selection_summary(project: Project, shoot: dict[str, int]) -> None:
    a, b, c = shoot["a"], shoot["b"], shoot["c"]
    summary = summarise(project.conn, [a, b, c, 999_999])
    assert summary.count == 3
    assert summary.fields["caption"].mixed and summary.fields["caption"].distinct == 2
    assert summary.fields["title"].value == ""
    assert summary.keywords == [("Sessions", 1), ("Sessions|Panel", 1)]
    assert summary.people == [("Ana Müller", 1), ("Sam Lee", 1)]
    edits.apply_edit(
        project, [a, b, c], edits.EditRequest(caption="Keynote", add_keywords=["Sessions"])
    )
    summary = summarise(project.conn, [a, b, c])
    assert summary.fields["caption"].value == "Keynote"
    assert ("Sessions", 3) in summary.keywords
    assert summarise(project.conn, []).count == 0


def test_filtering_and_summarising_20000_photos_is_fast(project: Project) -> None:
    with transaction(project.conn) as conn:
        for n in range(20_000):
            _add(
                conn,
                n + 1,
                camera_make="Canon" if n % 3 else "Apple",
                camera_model="Canon EOS R6" if n % 3 else "iPhone 15",
                rating=n % 6,
                keywords=["Sessions|Panel"] if n % 10 == 0 else [],
                people=[f"Person {n % 50}"] if n % 4 == 0 else [],
            )
    conn = project.conn
    started = time.perf_counter()
    ids = photos.list_photo_ids(conn, photos.PhotoQuery(min_rating=3, keyword="Sessions"))
    sql_seconds = time.perf_counter() - started
    assert len(ids) == sum(1 for n in range(20_000) if n % 10 == 0 and n % 6 >= 3)
    started = time.perf_counter()
    cleared = photos.list_photo_ids(conn, photos.PhotoQuery(verdict="needs_review"))
    verdict_seconds = time.perf_counter() - started
    assert len(cleared) == 20_000
    started = time.perf_counter()
    summary = summarise(conn, photos.list_photo_ids(conn))
    summary_seconds = time.perf_counter() - started
    assert summary.count == 20_000 and summary.keywords == [("Sessions|Panel", 2_000)]
    # Generous bounds for a shared 2-core machine; the figures are in the report.
    print(f"sql {sql_seconds:.3f}s verdict {verdict_seconds:.3f}s summary {summary_seconds:.3f}s")
    assert sql_seconds < 0.5 and verdict_seconds < 3 and summary_seconds < 1
