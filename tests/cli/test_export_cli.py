"""Export from the command line, and the withdrawal takedown list it makes possible."""

from __future__ import annotations

from pathlib import Path

from tests.cli.clirun import run, run_json


def test_export_withdraw_reexport(tmp_path: Path, photo_folder: Path) -> None:
    project = tmp_path / "summit"
    run("init", str(project), "--event", "Summit", "--credit", "Jo / Org")
    run_json("import", str(project), str(photo_folder))
    ids = {r["original_name"]: r["id"] for r in run_json("photos", str(project))}
    a, b = ids["DSC_0000.JPG"], ids["DSC_0001.JPG"]
    run_json("people", "add", str(project), "Ana Müller")
    run_json("consent", "record", str(project), "Ana Müller", "--status", "granted")
    run_json("edit", str(project), str(a), "--add-person", "Ana Müller", "--alt-text", "Ana")
    run_json("edit", str(project), str(b), "--no-identifiable-people")

    out = tmp_path / "site"
    result = run_json(
        "export", str(project), str(out), "--widths", "320,160", "--formats", "jpeg,webp"
    )
    assert set(result) >= {"exported", "excluded", "files", "report"}
    assert sorted(result["exported"]) == sorted([a, b])
    assert {e["id"] for e in result["excluded"]} == set(ids.values()) - {a, b}
    assert "index.html" in result["files"]
    assert Path(result["report"]).is_file() and not Path(result["report"]).is_relative_to(out)
    assert any(f.endswith("-320.webp") for f in result["files"])

    withdrawal = run_json("consent", "withdraw", str(project), "Ana Müller")
    [entry] = withdrawal["exports"]
    takedown = [f for f in entry["files"] if f.startswith("images/")]
    assert len(takedown) == 4  # two widths × two formats of Ana's photo
    human = run("consent", "withdraw", str(project), "Ana Müller").stdout
    assert "Take down from export" in human and takedown[0] in human

    again = run_json(
        "export", str(project), str(out), "--widths", "320,160", "--formats", "jpeg,webp"
    )
    assert again["exported"] == [b]
    assert set(takedown) <= set(again["removed"])
    assert not any((out / f).exists() for f in takedown)

    presets = run_json("presets")
    assert {"website", "cms", "social", "archive"} <= set(presets)
    blocked = run(
        "export", str(project), str(out), "--override", str(a), "--reason", "x", check=False
    )
    assert blocked.returncode == 1 and "cannot be overridden" in blocked.stderr
