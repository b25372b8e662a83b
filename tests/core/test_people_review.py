"""Editing a person in the register, and the consent review queue the desktop app shows."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from gallery_app.core import audit, edits
from gallery_app.core.catalog import photos
from gallery_app.core.catalog.database import transaction
from gallery_app.core.consent import store
from gallery_app.core.consent.model import ConsentStatus, Verdict
from gallery_app.core.consent.review import (
    merge_queues,
    queue_parts,
    review_items,
    review_queue,
    shows,
)
from gallery_app.core.errors import UserError
from gallery_app.core.people import register
from gallery_app.core.people.registration_csv import (
    parse_registration_csv,
    registration_columns,
)
from gallery_app.core.project import Project
from tests.helpers import new_photo


def _photo(project: Project, n: int, people: list[str] | None = None, time: str = "10") -> int:
    with transaction(project.conn) as conn:
        photo = replace(new_photo(n, people=people or []), captured_at=f"2026-05-14T{time}:00:00")
        return photos.insert_photo(conn, photo)


def test_update_person_changes_details_and_is_audited(project: Project) -> None:
    kit = register.add_person(project, name="Kit Lee", email="kit@example.org")
    register.add_person(project, name="Sam Lee", email="sam@example.org")
    photo = _photo(project, 1, ["Kit Lee"])
    store.add_record(
        project, "Kit Lee", store.new_record(ConsentStatus.GRANTED, store.parse_uses("all"))
    )
    assert store.decisions(project.conn, "web")[photo].verdict is Verdict.CLEARED

    updated = register.update_person(
        project, kit.id, name="  Kit   Lee-Smith ", email="KIT@example.org", role="speaker",
        minor=True,
    )  # fmt: skip
    assert (updated.name, updated.email, updated.role, updated.minor) == (
        "Kit Lee-Smith",
        "kit@example.org",
        "speaker",
        True,
    )
    # The tag follows the person (by id), and a minor without a guardian needs review now.
    assert photos.get_photo(project.conn, photo)["people"] == ["Kit Lee-Smith"]
    decision = store.decisions(project.conn, "web")[photo]
    assert decision.verdict is Verdict.NEEDS_REVIEW
    assert any("minor" in reason for reason in decision.reasons)

    entry = audit.entries(project.conn)[-1]
    assert entry["action"] == "person_updated"
    assert entry["subject"] == f"person:{kit.id}"
    assert entry["details"]["name"] == {"before": "Kit Lee", "after": "Kit Lee-Smith"}
    assert entry["details"]["minor"] == {"before": False, "after": True}
    assert "email" not in entry["details"]  # only the case differed: same address


def test_update_person_refuses_a_clash_and_an_empty_name(project: Project) -> None:
    kit = register.add_person(project, name="Kit Lee", email="kit@example.org")
    register.add_person(project, name="Sam Lee", email="sam@example.org")
    before = len(audit.entries(project.conn))
    with pytest.raises(UserError, match="already in the register"):
        register.update_person(project, kit.id, name="sam lee")
    with pytest.raises(UserError, match="already in the register"):
        register.update_person(project, kit.id, name="Kit Lee", email="SAM@example.org")
    with pytest.raises(UserError, match="needs a name"):
        register.update_person(project, kit.id, name="   ")
    with pytest.raises(UserError, match="role must be one of"):
        register.update_person(project, kit.id, name="Kit Lee", role="boss")
    assert register.find_person(project.conn, str(kit.id)).name == "Kit Lee"
    assert len(audit.entries(project.conn)) == before


def test_add_person_refuses_a_name_or_e_mail_already_registered(project: Project) -> None:
    register.add_person(project, name="Kit Lee", email="kit@example.org")
    before = len(audit.entries(project.conn))
    with pytest.raises(UserError, match=r"Kit Lee \(kit@example.org\) is already in the"):
        register.add_person(project, name="  kit   LEE ")
    with pytest.raises(UserError, match="already in the register"):
        register.add_person(project, name="Sam Lee", email="KIT@example.org")
    with pytest.raises(UserError, match="needs a name"):
        register.add_person(project, name="  ")
    sam = register.add_person(project, name="Sam Lee", email=" Sam@Example.org ")
    assert (sam.name, sam.email) == ("Sam Lee", "sam@example.org")
    assert len(audit.entries(project.conn)) == before + 1


def test_update_person_without_changes_writes_no_audit_entry(project: Project) -> None:
    kit = register.add_person(project, name="Kit Lee", email="kit@example.org")
    before = len(audit.entries(project.conn))
    register.update_person(project, kit.id, name="Kit Lee", email="kit@example.org")
    assert len(audit.entries(project.conn)) == before


def test_review_queue_lists_unclear_photos_in_time_order_with_reasons(project: Project) -> None:
    register.add_person(project, name="Ana Müller")
    register.add_person(project, name="Sam Lee")
    late_nobody = _photo(project, 1, time="12")
    early_sam = _photo(project, 2, ["Sam Lee"], time="09")
    ana = _photo(project, 3, ["Ana Müller"], time="10")
    empty_room = _photo(project, 4, time="11")
    edits.apply_edit(project, [empty_room], edits.EditRequest(no_identifiable_people=True))
    store.add_record(
        project, "Ana Müller", store.new_record(ConsentStatus.GRANTED, store.parse_uses("web"))
    )
    store.add_record(
        project,
        "Sam Lee",
        store.new_record(ConsentStatus.REFUSED, store.parse_uses("print"), evidence="email"),
    )

    queue = review_queue(project.conn, "web")
    assert [item.photo_id for item in queue.items] == [early_sam, late_nobody]
    first = queue.items[0]
    assert first.verdict is Verdict.NEEDS_REVIEW
    assert first.people == ("Sam Lee",)
    assert first.reasons == ("consent of Sam Lee for web use is unknown",)
    assert first.filename == "2.jpg"
    assert queue.counts == {"cleared": 2, "needs_review": 2, "blocked": 0}
    assert ana not in {item.photo_id for item in queue.items}

    printing = review_queue(project.conn, "print")
    assert early_sam not in {item.photo_id for item in printing.items}
    with_blocked = review_queue(project.conn, "print", include_blocked=True)
    blocked = [item for item in with_blocked.items if item.verdict is Verdict.BLOCKED]
    assert [item.photo_id for item in blocked] == [early_sam]
    assert "refused" in blocked[0].reasons[0]

    with pytest.raises(UserError, match="unknown use"):
        review_queue(project.conn, "billboards")


def test_review_items_answer_for_just_the_photos_that_changed(project: Project) -> None:
    register.add_person(project, name="Sam Lee")
    sam = _photo(project, 1, ["Sam Lee"], time="09")
    nobody = _photo(project, 2, time="10")
    before = review_queue(project.conn, "web")
    assert [i.photo_id for i in before.items] == [sam, nobody]

    edits.apply_edit(project, [nobody], edits.EditRequest(no_identifiable_people=True))
    store.add_record(
        project, "Sam Lee", store.new_record(ConsentStatus.REFUSED, store.parse_uses("all"))
    )
    changed = review_items(project.conn, "web", [sam, nobody, 999])
    assert set(changed) == {sam, nobody, 999} and changed[999] is None
    assert changed[nobody] is not None and changed[nobody].verdict is Verdict.CLEARED
    assert not shows(changed[nobody], include_blocked=True)
    item = changed[sam]
    assert item is not None and item.verdict is Verdict.BLOCKED
    assert not shows(item, include_blocked=False) and shows(item, include_blocked=True)
    # The same entry the whole queue would hold, so a front end can merge it in place.
    after = review_queue(project.conn, "web", include_blocked=True)
    assert after.items == (item,)
    assert after.verdicts == {sam: Verdict.BLOCKED, nobody: Verdict.CLEARED}
    assert item.order < changed[nobody].order


def test_facts_for_a_few_photos_equal_those_from_the_whole_catalog(project: Project) -> None:
    """load_facts looks a few photos up by id; the answer must be what the full scan gives."""
    for name in ("Ana Müller", "Sam Lee", "Kit Lee"):
        register.add_person(project, name=name, minor=name == "Kit Lee")
    shown = [
        _photo(project, 1, ["Sam Lee", "Ana Müller"]),
        _photo(project, 2, ["Kit Lee"]),
        _photo(project, 3),
        _photo(project, 4, ["Ana Müller", "Kit Lee", "Sam Lee"]),
    ]
    store.add_record(
        project, "Ana Müller", store.new_record(ConsentStatus.GRANTED, store.parse_uses("all"))
    )
    store.override(project, shown[1], "web", "guardian confirmed by phone")
    store.override(project, shown[2], "print", "empty stage")
    store.override(project, shown[2], "web", "empty stage")
    everything = store.load_facts(project.conn)
    few = store.load_facts(project.conn, [shown[3], shown[2], shown[1], 999])
    assert set(few) == {shown[1], shown[2], shown[3]}
    for photo_id, facts in few.items():
        assert facts == everything[photo_id]
    assert [p.name for p in few[shown[3]].people] == ["Ana Müller", "Kit Lee", "Sam Lee"]
    assert [o.use for o in few[shown[2]].overrides] == ["print", "web"]


def test_registration_columns_lists_the_header_as_mapping_accepts_it(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("sep=;\nVolunteer;Contact;;Contact\nDee;dee@example.org;x;y\n")
    assert registration_columns(path) == [
        "Volunteer",
        "Contact (column B)",
        "(column C)",
        "Contact (column D)",
    ]
    # Each label is accepted as a mapping target.
    parsed = parse_registration_csv(path, {"name": "Volunteer", "email": "Contact (column B)"})
    assert [(r.name, r.email) for r in parsed.rows] == [("Dee", "dee@example.org")]
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n")
    with pytest.raises(UserError, match="empty"):
        registration_columns(empty)


def test_rejected_photos_are_not_queued_or_counted(project: Project) -> None:
    kept = _photo(project, 1, time="09")
    rejected = _photo(project, 2, time="10")
    edits.apply_edit(project, [rejected], edits.EditRequest(flag=-1))
    queue = review_queue(project.conn, "web")
    assert [i.photo_id for i in queue.items] == [kept]
    assert queue.counts == {"cleared": 0, "needs_review": 1, "blocked": 0}
    assert queue.rejected == frozenset({rejected}) and rejected not in queue.verdicts
    entry = review_items(project.conn, "web", [rejected])[rejected]
    assert entry is not None and entry.rejected and entry.verdict is Verdict.NEEDS_REVIEW
    assert not shows(entry, include_blocked=True)


def test_a_queue_put_together_from_parts_equals_the_whole_queue(project: Project) -> None:
    register.add_person(project, name="Ana Müller")
    register.add_person(project, name="Sam Lee")
    store.add_record(
        project,
        "Sam Lee",
        store.new_record(ConsentStatus.REFUSED, store.parse_uses("web"), evidence="email"),
    )
    # Capture times out of id order, so parts must be merged by time, not appended.
    times = ["12", "09", "11", "08", "10", "13", "07"]
    people = [[], ["Sam Lee"], ["Ana Müller"], [], ["Sam Lee"], ["Ana Müller"], []]
    shots = enumerate(zip(times, people, strict=True))
    ids = [_photo(project, n, tagged, time=t) for n, (t, tagged) in shots]
    edits.apply_edit(project, [ids[3]], edits.EditRequest(no_identifiable_people=True))
    edits.apply_edit(project, [ids[6]], edits.EditRequest(flag=-1))

    parts = queue_parts(project.conn, size=3)
    assert parts == [ids[0:3], ids[3:6], ids[6:7]]
    for include_blocked in (False, True):
        whole = review_queue(project.conn, "web", include_blocked=include_blocked)
        pieces = [
            review_queue(project.conn, "web", include_blocked=include_blocked, photo_ids=part)
            for part in parts
        ]
        assert merge_queues("web", pieces) == whole
        assert whole.items  # the comparison is not between two empty queues
