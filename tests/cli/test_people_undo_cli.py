"""Undo of people tags from the command line: a rename in between changes nothing undo
restores; a person removed from the register is refused in one line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.cli.clirun import run, run_json


def test_rename_then_undo_an_older_tag_from_the_command_line(
    tmp_path: Path, photo_folder: Path
) -> None:
    project = tmp_path / "p"
    run("init", str(project), "--event", "E")
    run_json("import", str(project), str(photo_folder))
    photo = str(run_json("photos", str(project))[0]["id"])
    run_json("people", "add", str(project), "Ana", "--email", "ana@example.org")
    run_json("consent", "record", str(project), "ana@example.org", "--status", "granted")
    run_json("edit", str(project), photo, "--add-person", "Ana")
    run_json("edit", str(project), photo, "--remove-person", "Ana")
    renamed = run("people", "rename", str(project), "ana@example.org", "Ana Müller")
    assert renamed.stdout.strip().startswith("Renamed Ana to Ana Müller (id ")

    assert run_json("undo", str(project))["done"]
    assert run_json("show", str(project), photo)["people"] == ["Ana Müller"]
    people = run_json("people", "list", str(project))
    assert [(p["name"], p["consent"]["web"]) for p in people] == [("Ana Müller", "granted")]
    assert int(photo) in run_json("consent", "report", str(project))["cleared"]
    assert run_json("redo", str(project))["done"]
    assert run_json("show", str(project), photo)["people"] == []

    # Someone removed from the register behind the app's back (nothing in it deletes people):
    # undo says so in one line and changes nothing.
    run_json("edit", str(project), photo, "--add-person", "Bo")
    run_json("edit", str(project), photo, "--remove-person", "Bo")
    with sqlite3.connect(project / "catalog.sqlite") as conn:
        conn.execute("DELETE FROM people WHERE name = 'Bo'")
    conn.close()
    refused = run("undo", str(project), check=False)
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert "it would tag Bo (id " in refused.stderr
    assert "no longer in the people register" in refused.stderr
    assert run_json("show", str(project), photo)["people"] == []
    names = [p["name"] for p in run_json("people", "list", str(project))]
    assert names == ["Ana Müller"]
