"""The demo from the command line, as a user meets it: build it, then export it."""

from __future__ import annotations

from pathlib import Path

from gallery_app.core import demo
from gallery_app.core.consent.model import Verdict
from gallery_app.core.project import open_project
from tests.cli.clirun import run, run_json


def test_first_export_of_the_demo_publishes_the_cleared_photos_only(tmp_path: Path) -> None:
    root = tmp_path / "demo-project"
    demo.build_demo_project(root, size=(600, 400))  # the CLI's `demo`, at a test's size
    with open_project(root, write=False) as project:
        ids = demo.photo_ids_by_stem(project)
        # Everyone who refused or withdrew web use (Chloé refused only social and print).
        blocked_people = {
            r[0]
            for r in project.conn.execute(
                "SELECT DISTINCT person_id FROM consent_records WHERE status != 'granted'"
                " AND ',' || uses || ',' LIKE '%,web,%'"
            )
        }
        showing_blocked = {
            r[0]
            for r in project.conn.execute(
                f"SELECT photo_id FROM photo_people WHERE person_id IN "
                f"({', '.join(map(str, blocked_people))})"
            )
        }
    intended = {ids[p.stem]: p.web for p in demo.PHOTOS}

    summary = run_json("export", str(root), str(tmp_path / "gallery"), "--widths", "320")
    exported = set(summary["exported"])
    assert exported == {i for i, v in intended.items() if v is Verdict.CLEARED}
    assert len(exported) > 0
    assert exported.isdisjoint(showing_blocked)
    left_out = {item["id"]: item for item in summary["excluded"]}
    assert set(left_out) == set(intended) - exported
    assert all(item["reasons"] for item in left_out.values())
    assert {item["verdict"] for item in left_out.values()} == {"blocked", "needs_review"}
    assert (tmp_path / "gallery" / "index.html").is_file()

    text = run("export", str(root), str(tmp_path / "gallery"), "--widths", "320").stdout
    assert f"Exported {len(exported)} photos" in text
    assert f"Left out {len(left_out)} photos:" in text
    assert "Mehmet Yılmaz refused consent for web use" in text
