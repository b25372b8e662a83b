"""``gallery-app photos`` filters and ``edit --caption-template``, as a script runs them."""

from __future__ import annotations

from pathlib import Path

from tests.cli.clirun import run, run_json


def test_photos_filters_and_caption_template(tmp_path: Path, photo_folder: Path) -> None:
    project = tmp_path / "p"
    run("init", str(project), "--event", "Summit", "--date", "2026-05-14", "--venue", "Leeds")
    run_json("import", str(project), str(photo_folder))
    rows = run_json("photos", str(project))
    ids = [str(r["id"]) for r in rows]
    run_json("edit", str(project), ids[0], ids[1], "--pick", "--label", "red", "--rating", "4")
    run_json("edit", str(project), ids[2], "--reject", "--alt-text", "Stage")
    run_json("edit", str(project), ids[3], "--no-identifiable-people")

    def listed(*args: str) -> list[str]:
        return [str(r["id"]) for r in run_json("photos", str(project), *args)]

    assert listed("--flag", "pick") == ids[:2]
    assert listed("--flag", "none") == ids[3:]
    assert listed("--label", "none", "--max-rating", "0") == ids[2:]
    assert listed("--with-alt-text") == [ids[2]]
    assert listed("--without-alt-text", "--flag", "reject") == []
    assert listed("--verdict", "cleared") == [ids[3]]
    assert listed("--verdict", "print:needs_review") == [i for i in ids if i != ids[3]]
    assert listed("--sort", "rating", "--descending")[:2] == sorted(ids[:2], reverse=True)
    first = rows[0]["captured_at"][:19]
    assert listed("--until", first) == [ids[0]]
    bad = run("photos", str(project), "--verdict", "fine", check=False)
    assert bad.returncode == 1 and "unknown verdict" in bad.stderr
    bad = run("photos", str(project), "--from", "tuesday", check=False)
    assert bad.returncode == 1 and "not a date" in bad.stderr

    done = run_json(
        "edit", str(project), ids[0], ids[1], "--caption-template", "{event}, {venue}, {date}"
    )
    assert done["description"] == "set caption on 2 photos"
    captions = {
        str(r["id"]): r["caption"] for r in run_json("photos", str(project), "--with-caption")
    }
    assert captions[ids[0]] == captions[ids[1]] == "Summit, Leeds, 14 May 2026"
    bad = run("edit", str(project), ids[0], "--caption-template", "{speaker}", check=False)
    assert bad.returncode == 1 and "{speaker}" in bad.stderr
