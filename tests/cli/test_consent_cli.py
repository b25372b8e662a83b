"""The consent journey from the command line: register, tag, report, override, withdraw."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from tests.cli.clirun import run, run_json


def _ids(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {r["original_name"]: r["id"] for r in rows}


def test_consent_journey(tmp_path: Path, photo_folder: Path) -> None:
    project = tmp_path / "summit"
    run("init", str(project), "--event", "Summit")
    run_json("import", str(project), str(photo_folder))
    ids = _ids(run_json("photos", str(project)))
    a, b, c = ids["DSC_0000.JPG"], ids["DSC_0001.JPG"], ids["DSC_0002.JPG"]

    registration = tmp_path / "registrations.csv"
    registration.write_text(
        "First Name,Last Name,Email,Company,Photo consent\n"
        "Ana,Müller,ana@example.org,Example Org,Yes\n"
        "Sam,Lee,sam@example.org,,No\n"
        "Ola,Nordmann,ola@example.org,,maybe\n",
        encoding="utf-8",
    )
    imported = run_json("people", "import", str(project), str(registration))
    assert imported["added"] == 3
    assert [p["row"] for p in imported["problems"]] == [4]
    again = run_json("people", "import", str(project), str(registration))
    assert again["added"] == 0 and again["consent_records"] == 0

    run_json("edit", str(project), str(a), "--add-person", "Ana Müller", "--caption", "Keynote")
    run_json("edit", str(project), str(b), "--add-person", "Sam Lee", "--add-person", "Ana Müller")
    run_json("edit", str(project), str(c), "--no-identifiable-people")
    report = run_json("consent", "report", str(project), "--use", "web")
    assert a in report["cleared"] and c in report["cleared"]
    blocked = {i["id"]: i["reasons"] for i in report["blocked"]}
    assert any("Sam Lee" in r for r in blocked[b])
    review = {i["id"] for i in report["needs_review"]}
    assert review == set(ids.values()) - {a, b, c}

    some = sorted(review)[0]
    overridden = run_json(
        "consent", "override", str(project), str(some), "--use", "web", "--reason", "crowd shot"
    )
    assert overridden["verdict"] == "cleared"
    refused = run("consent", "override", str(project), str(b), "--reason", "x", check=False)
    assert refused.returncode == 1 and "cannot be overridden" in refused.stderr

    withdrawn = run_json("consent", "withdraw", str(project), "Ana Müller", "--reason", "email")
    assert withdrawn["photos"] == sorted([a, b]) and withdrawn["exports"] == []
    assert a in {i["id"] for i in run_json("consent", "report", str(project))["blocked"]}

    people = {p["name"]: p for p in run_json("people", "list", str(project))}
    assert people["Ana Müller"]["consent"]["web"] == "withdrawn"
    assert people["Ola Nordmann"]["consent"]["web"] == "unknown"
    assert people["Ana Müller"]["photos"] == 2

    log = run_json("audit", str(project))
    actions = [e["action"] for e in log]
    assert actions.count("consent_granted") == 1
    assert "override" in actions and actions[-1] == "consent_withdrawn"
    assert all(e["actor"] for e in log)

    exported = tmp_path / "people.csv"
    run_json("people", "export", str(project), str(exported))
    with exported.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["name"] for r in rows} == {"Ana Müller", "Sam Lee", "Ola Nordmann"}


def test_undo_and_redo_from_the_command_line(tmp_path: Path, photo_folder: Path) -> None:
    project = tmp_path / "p"
    run("init", str(project), "--event", "E")
    run_json("import", str(project), str(photo_folder))
    photo_ids = [str(r["id"]) for r in run_json("photos", str(project))]
    run_json("edit", str(project), *photo_ids, "--add-keyword", "Sessions|Panel", "--rating", "3")
    assert all(r["rating"] == 3 for r in run_json("photos", str(project)))
    undone = run_json("undo", str(project))
    assert undone["done"] and len(undone["photos"]) == 6
    assert all(r["rating"] == 0 for r in run_json("photos", str(project)))
    run_json("redo", str(project))
    listed = run_json("photos", str(project), "--keyword", "Sessions")
    assert len(listed) == 6 and listed[0]["keywords"][-1] == "Sessions|Panel"
    nothing = run("edit", str(project), photo_ids[0], check=False)
    assert nothing.returncode == 1 and "nothing to change" in nothing.stderr
    assert json.loads(run("redo", str(project), "--json").stdout)["done"] is False
