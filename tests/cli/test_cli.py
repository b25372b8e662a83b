"""The ``gallery-app`` command as a user or a script runs it: real processes, real output."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from gallery_app.core import demo
from tests.cli.clirun import run, run_json
from tests.helpers import make_jpeg

PHOTO_FIELDS = {
    "id",
    "filename",
    "original_name",
    "captured_at",
    "camera",
    "width",
    "height",
    "rating",
    "caption",
    "title",
    "headline",
    "alt_text",
    "keywords",
    "people",
    "creator",
    "credit",
    "copyright",
    "has_gps",
}


@pytest.fixture
def imported(tmp_path: Path, photo_folder: Path) -> Path:
    project = tmp_path / "summit"
    run(
        "init",
        str(project),
        "--event",
        "Summit",
        "--date",
        "2026-05-14",
        "--venue",
        "Leeds",
        "--creator",
        "Jo",
        "--credit",
        "Jo / Org",
        "--copyright",
        "© Org",
    )
    summary = run_json("import", str(project), str(photo_folder))
    assert summary["imported"] == 6
    return project


def test_init_and_info(tmp_path: Path) -> None:
    project = tmp_path / "gala"
    created = run_json("init", str(project), "--event", "Gala Dinner", "--date", "2026-12-01")
    assert created["event_name"] == "Gala Dinner"
    info = run_json("info", str(project))
    assert info["event_date"] == "2026-12-01" and info["photos"] == 0
    human = run("info", str(project)).stdout
    assert "Gala Dinner" in human


def test_import_json_summary_and_listing(imported: Path, photo_folder: Path) -> None:
    again = run_json("import", str(imported), str(photo_folder))
    assert set(again) >= {"imported", "duplicates", "skipped", "failed", "seconds"}
    assert again["imported"] == 0 and again["duplicates"] == 6
    rows = run_json("photos", str(imported))
    assert len(rows) == 6
    assert all(set(row) >= PHOTO_FIELDS for row in rows)
    assert [r["captured_at"] for r in rows] == sorted(r["captured_at"] for r in rows)
    nikon = run_json("photos", str(imported), "--camera", "nikon")
    assert {r["camera"] for r in nikon} == {"NIKON D750"}
    record = run_json("show", str(imported), str(rows[0]["id"]))
    assert record["body_serial"] is None or isinstance(record["body_serial"], str)
    assert record["content_hash"] and record["absolute_path"].startswith(str(imported))
    table = run("photos", str(imported)).stdout
    assert "6 photos" in table and "NIKON D750" in table


def test_import_human_output_lists_failures(tmp_path: Path) -> None:
    project = tmp_path / "p"
    run("init", str(project), "--event", "E")
    folder = tmp_path / "in"
    make_jpeg(folder / "fine.jpg")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0garbage")
    result = run("import", str(project), str(folder))
    assert "Imported 1 photos" in result.stdout
    assert "broken.jpg" in result.stdout
    assert result.stderr == ""  # no progress bar when stderr is not a terminal


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("info", "/nonexistent/project"), "does not exist"),
        (("show", "{project}", "9999"), "no photo with id 9999"),
        (("import", "{project}", "{project}", "--rename", "{nope}"), "unknown variable {nope}"),
        (("init", "{project}", "--event", "X"), "already a Gallery Curator project"),
    ],
)
def test_errors_are_one_line_on_stderr(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    project = tmp_path / "p"
    run("init", str(project), "--event", "E")
    result = run(*(a.replace("{project}", str(project)) for a in args), check=False)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_console_script_and_module_agree() -> None:
    script = Path(sys.executable).parent / "gallery-app"
    assert script.exists(), "the gallery-app console script is not installed"
    by_script = subprocess.run([str(script), "--help"], capture_output=True, text=True)
    by_module = run("--help")
    assert by_script.returncode == 0
    assert by_script.stdout.replace("gallery-app", "") == by_module.stdout.replace(
        "gallery-app", ""
    )
    for command in ("init", "info", "import", "photos", "show"):
        assert command in by_module.stdout


@pytest.mark.slow
def test_demo_command_builds_a_project_from_generated_photos(tmp_path: Path) -> None:
    """The README's first command runs this: it must keep working."""
    built = run("demo", str(tmp_path / "demo"))
    # The story it tells: the registration import's typo by row, and a first export's worth.
    assert 'row 7: photo consent answer "Yse" is neither yes nor no' in built.stdout
    intended = Counter(p.web.value for p in demo.PHOTOS)
    assert (
        f"For web use: {intended['cleared']} photos cleared, {intended['needs_review']} need "
        f"review, {intended['blocked']} blocked"
    ) in built.stdout
    assert "Next: gallery-app export" in built.stdout
    assert (tmp_path / "demo" / "registrations.csv").is_file()
    rows = run_json("demo", str(tmp_path / "demo"))  # reuses the project
    assert len(rows) == 24
    assert any(r["caption"] for r in rows) and any(r["people"] for r in rows)
    assert {r["filename"].rsplit(".", 1)[1] for r in rows} >= {"jpg", "png", "heic"}
    again = run_json("demo", str(tmp_path / "demo"))  # reuses the project
    assert [r["id"] for r in again] == [r["id"] for r in rows]
