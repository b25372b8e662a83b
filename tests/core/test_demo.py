"""The demo project tells the product's story: registration, tagging, a withdrawal, and a
first export that publishes the cleared photos and leaves out the others with reasons."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from gallery_app.core import demo
from gallery_app.core.consent import store
from gallery_app.core.consent.model import Verdict
from gallery_app.core.people.registration_csv import parse_registration_csv
from gallery_app.core.project import open_project

SMALL = (600, 400)


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo") / "demo-project"
    demo.build_demo_project(root, size=SMALL)
    return root


def test_registration_export_is_read_as_the_attendees_answered(tmp_path: Path) -> None:
    path = demo.write_registration_csv(tmp_path / "registrations.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbfOrder #,")  # Excel-style UTF-8 BOM
    parsed = parse_registration_csv(path, None, ("web", "social", "print", "internal"))
    assert set(parsed.columns) >= {"consent_web", "consent_social", "consent_print"}
    answers = {r.name: {u: s and s.value for u, s in r.consent.items()} for r in parsed.rows}
    assert len(answers) == len(demo.ATTENDEES)
    for attendee in demo.ATTENDEES:
        name = f"{attendee.first_name} {attendee.last_name}"
        written = {
            "web": attendee.web,
            "social": attendee.social,
            "print": attendee.print,
            "internal": attendee.intranet,
        }
        expected = {
            use: {"Yes": "granted", "No": "refused"}.get(text) for use, text in written.items()
        }
        assert answers[name] == expected, name
    # The typo is reported by the row a spreadsheet shows (header = row 1).
    typo_row = 2 + next(i for i, a in enumerate(demo.ATTENDEES) if a.web == "Yse")
    assert [p.row_number for p in parsed.problems] == [typo_row]
    assert "Yse" in parsed.problems[0].message


def test_every_demo_photo_gets_the_verdict_the_story_intends(demo_root: Path) -> None:
    with open_project(demo_root, write=False) as project:
        ids = demo.photo_ids_by_stem(project)
        assert sorted(ids) == sorted(p.stem for p in demo.PHOTOS)  # the story covers them all
        web = store.decisions(project.conn, "web")
        social = store.decisions(project.conn, "social")
    got = {p.stem: web[ids[p.stem]].verdict for p in demo.PHOTOS}
    assert got == {p.stem: p.web for p in demo.PHOTOS}
    counts = Counter(got.values())
    assert counts[Verdict.CLEARED] > counts[Verdict.BLOCKED] > 0 and counts[Verdict.NEEDS_REVIEW]
    reasons = {p.stem: " ".join(web[ids[p.stem]].reasons) for p in demo.PHOTOS}
    assert "Mehmet Yılmaz refused consent for web use" in reasons["IMG_4712"]
    withdrawn, _why = demo.WITHDRAWN
    assert f"{withdrawn} withdrew consent" in reasons["DSC_1207"]
    assert "consent of José Núñez for web use is unknown" in reasons["IMG_4714"]
    assert "no people are tagged" in reasons["IMG_8805"]
    # Chloé said yes to the website only.
    assert web[ids["DSC_1209"]].verdict is Verdict.CLEARED
    assert social[ids["DSC_1209"]].verdict is Verdict.BLOCKED
    assert "Chloé Dubois refused consent for social use" in " ".join(
        social[ids["DSC_1209"]].reasons
    )


def test_the_csv_stays_in_the_demo_folder_and_reimports_as_nothing_new(demo_root: Path) -> None:
    from gallery_app.core.people import register

    csv_path = demo_root / demo.REGISTRATION_FILE
    assert csv_path.is_file()
    with open_project(demo_root) as project:
        again = register.import_registration(project, csv_path)
    assert (again["added"], again["consent_records"]) == (0, 0)
