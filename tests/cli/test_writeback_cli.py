"""``gallery-app write-back`` and ``show --json`` as a user or a script runs them."""

from __future__ import annotations

from pathlib import Path

from tests.cli.clirun import run, run_json
from tests.helpers import make_jpeg


def test_write_back_text_json_state_and_failures(tmp_path: Path) -> None:
    shelf = tmp_path / "shelf"
    first = make_jpeg(shelf / "first.jpg", seed=1)
    second = make_jpeg(shelf / "second.jpg", seed=2)
    project = str(tmp_path / "summit")
    run("init", project, "--event", "Open Data Summit 2026", "--creator", "Jo Müller")
    run("import", project, str(shelf), "--reference")
    run("edit", project, "1", "2", "--caption", "Zoë on stage", "--add-keyword", "Talks|Keynote")
    assert run_json("show", project, "1")["write_state"] == "never_written"

    second.chmod(0o444)
    failed = run("write-back", project, check=False)
    assert failed.returncode == 1
    assert "Wrote metadata into 1 file, 1 failed." in failed.stdout
    assert f"failed: {second}: cannot be changed: the file is read-only" in failed.stdout
    assert "--sidecar" in failed.stdout
    assert "Traceback" not in failed.stderr
    assert "write-back failed for 1 photo (ids 2)" in failed.stderr
    assert run_json("show", project, "1")["write_state"] == "up_to_date"
    assert run_json("show", project, "2")["write_state"] == "never_written"

    sidecars = run_json("write-back", project, "2", "--sidecar", "--sidecar-naming", "name.xmp")
    assert sidecars["failed"] == []
    assert sidecars["written"] == [
        {"id": 2, "path": str(shelf / "second.xmp"), "target": "sidecar"}
    ]
    nothing = run("write-back", project, "1")
    assert nothing.stdout.startswith(
        "Nothing to write: the files already hold what the catalog says."
    )
    run("edit", project, "1", "--rating", "5")
    assert run_json("show", project, "1")["write_state"] == "changed"
    again = run_json("write-back", project, "1")
    assert [w["id"] for w in again["written"]] == [1]
    assert run_json("write-back", project, "1")["skipped"] == [1]
    assert first.exists()


def test_write_back_unknown_photo_is_a_clear_error(tmp_path: Path) -> None:
    project = str(tmp_path / "summit")
    run("init", project, "--event", "Summit")
    result = run("write-back", project, "42", check=False)
    assert result.returncode == 1
    assert "there is no photo with id 42 in this project" in result.stderr
    assert "Traceback" not in result.stderr
