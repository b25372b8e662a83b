"""Export end to end: the consent gate, privacy by allow-list (checked with exiftool),
incremental re-export, withdrawal takedown, the records and the report."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gallery_app.core import audit, edits
from gallery_app.core.catalog import photos
from gallery_app.core.consent import store
from gallery_app.core.consent.model import ConsentStatus
from gallery_app.core.errors import UserError
from gallery_app.core.export.exporter import MANIFEST_NAME, export, plan_export
from gallery_app.core.export.presets import get_preset
from gallery_app.core.importing.importer import import_sources
from gallery_app.core.people import register
from gallery_app.core.progress import CancelToken, ProgressEvent
from gallery_app.core.project import Project
from tests.helpers import WEB_METADATA_ALLOWED, make_jpeg

IGNORED_GROUPS = ("File", "System", "ExifTool", "Composite", "JFIF", "ICC", "RIFF", "XMP-x")


def _tags(exiftool: str, files: list[Path]) -> list[dict[str, Any]]:
    result = subprocess.run(
        [exiftool, "-j", "-a", "-G1", "-n", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    data: list[dict[str, Any]] = json.loads(result.stdout)
    return data


def _setup(project: Project, photo_folder: Path) -> dict[str, int]:
    import_sources(project, [photo_folder], workers=2)
    ids = {r["original_name"]: r["id"] for r in photos.list_photos(project.conn)}
    register.add_person(project, name="Ana Müller", email="ana@example.org")
    register.add_person(project, name="Sam Lee")
    grant = store.new_record(ConsentStatus.GRANTED, store.parse_uses("all"), evidence="F-1")
    store.add_record(project, "Ana Müller", grant)
    store.add_record(
        project, "Sam Lee", store.new_record(ConsentStatus.REFUSED, store.parse_uses("all"))
    )
    edits.apply_edit(
        project,
        [ids["DSC_0000.JPG"], ids["DSC_0003.JPG"]],
        edits.EditRequest(
            add_people=["Ana Müller"],
            caption="Ana opens the <script>alert(1)</script> summit",
            alt_text="A woman speaks at a lectern",
            add_keywords=["Sessions|Keynote", "People|Ana Müller"],
        ),
    )
    edits.apply_edit(project, [ids["DSC_0001.JPG"]], edits.EditRequest(add_people=["Sam Lee"]))
    edits.apply_edit(project, [ids["DSC_0002.JPG"]], edits.EditRequest(no_identifiable_people=True))
    return ids


@pytest.mark.slow
def test_gate_privacy_records_and_report(
    project: Project, photo_folder: Path, tmp_path: Path, exiftool: str
) -> None:
    ids = _setup(project, photo_folder)
    out = tmp_path / "site"
    plan = plan_export(project, get_preset("website"))
    assert sorted(plan.exported) == sorted(
        [ids["DSC_0000.JPG"], ids["DSC_0002.JPG"], ids["DSC_0003.JPG"]]
    )
    review = ids["DSC_0004.JPG"]
    summary = export(
        project,
        out,
        widths=(480, 200),
        overrides=[(review, "a crowd shot, nobody recognisable")],
        workers=2,
    )
    exported = set(summary.exported)
    assert exported == {ids["DSC_0000.JPG"], ids["DSC_0002.JPG"], ids["DSC_0003.JPG"], review}
    excluded = {e["id"]: e for e in summary.excluded}
    assert excluded[ids["DSC_0001.JPG"]]["verdict"] == "blocked"
    assert any("Sam Lee" in r for r in excluded[ids["DSC_0001.JPG"]]["reasons"])
    assert excluded[ids["DSC_0005.JPG"]]["verdict"] == "needs_review"

    # Nothing of a blocked photo left, and nothing about anyone in the published folder.
    images = sorted((out / "images").iterdir())
    assert images and all(f"-{ids['DSC_0001.JPG']:05d}-" not in p.name for p in images)
    published = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    assert b"Sam Lee" not in published
    pages = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*.html"))
    assert "<script>alert(1)</script>" not in pages  # escaped in the gallery
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages
    # The report (which names people) lives in the project, not in the published folder.
    report = json.loads(Path(summary.report).read_text())
    assert Path(summary.report).is_relative_to(project.root)
    assert Path(summary.report_html).is_file()
    assert {e["id"] for e in report["excluded"]} == set(excluded)
    assert set(report["missing_alt_text"]) == {ids["DSC_0002.JPG"], review}

    # Every exported image carries only allow-listed metadata (exiftool, not our reader).
    for entry in _tags(exiftool, [p for p in images if p.suffix in (".jpg", ".webp")]):
        tags = {k for k in entry if ":" in k and not k.startswith(IGNORED_GROUPS)}
        assert tags <= WEB_METADATA_ALLOWED, (
            entry["SourceFile"],
            sorted(tags - WEB_METADATA_ALLOWED),
        )
    keynote = [
        e
        for e in _tags(exiftool, [p for p in images if p.suffix == ".jpg"])
        if e.get("XMP-iptcCore:AltTextAccessibility") == "A woman speaks at a lectern"
    ]
    assert keynote
    subjects = keynote[0].get("XMP-dc:Subject")
    subject_list = subjects if isinstance(subjects, list) else [subjects]
    assert "Ana Müller" not in subject_list  # person keywords stay home
    assert keynote[0]["IPTC:Caption-Abstract"] == "Ana opens the <script>alert(1)</script> summit"

    # The catalog knows which files hold which photo; the audit log has the export.
    rows = project.conn.execute(
        "SELECT DISTINCT photo_id FROM export_files WHERE export_id = ?", (summary.export_id,)
    ).fetchall()
    assert {r[0] for r in rows} == exported
    assert audit.entries(project.conn)[-1]["action"] == "export"
    assert any(e["action"] == "override" for e in audit.entries(project.conn))


@pytest.mark.slow
def test_incremental_reexport_and_withdrawal_takedown(
    project: Project, photo_folder: Path, tmp_path: Path
) -> None:
    ids = _setup(project, photo_folder)
    out = tmp_path / "site"
    first = export(project, out, widths=(320,), formats=("jpeg",), workers=2)
    assert first.rendered == 3 and first.reused == 0
    again = export(project, out, widths=(320,), formats=("jpeg",), workers=2)
    assert again.rendered == 0 and again.reused == 3 and again.removed == []

    edits.apply_edit(project, [ids["DSC_0002.JPG"]], edits.EditRequest(caption="Empty hall"))
    third = export(project, out, widths=(320,), formats=("jpeg",), workers=2)
    assert third.rendered == 1 and third.reused == 2

    withdrawn = store.withdraw(project, "Ana Müller", reason="email")
    [entry] = withdrawn["exports"]
    ana_files = {p for p in entry["files"] if p.startswith("images/")}
    assert ana_files and all((out / p).exists() for p in ana_files)
    after = export(project, out, widths=(320,), formats=("jpeg",), workers=2)
    assert set(after.exported) == {ids["DSC_0002.JPG"]}
    assert ana_files <= set(after.removed)
    assert not any((out / p).exists() for p in ana_files)
    # Nothing is listed for takedown any more: the newest export no longer has those files.
    person = register.find_person(project.conn, "Ana Müller")
    assert store.affected_by(project.conn, person)["exports"] == []
    # Files we did not write are never touched.
    (out / "keep-me.txt").write_text("mine")
    export(project, out, select="ids=1-2", widths=(320,), formats=("jpeg",), workers=2)
    assert (out / "keep-me.txt").read_text() == "mine"
    assert (out / MANIFEST_NAME).is_file()


def test_consent_withdrawn_while_the_export_runs_keeps_the_photo_out(
    project: Project, photo_folder: Path, tmp_path: Path
) -> None:
    """The gate is applied again just before the gallery is written: a withdrawal recorded
    while the images render (the desktop app allows it) keeps Ana's photos out."""
    ids = _setup(project, photo_folder)
    ana = {ids["DSC_0000.JPG"], ids["DSC_0003.JPG"]}

    withdrawn: list[int] = []

    def withdraw_once_rendering(event: ProgressEvent) -> None:
        if event.kind == "photo_exported" and not withdrawn:
            store.withdraw(project, "Ana Müller", reason="phoned the press office")
            withdrawn.append(event.photo_id or 0)

    out = tmp_path / "site"
    summary = export(
        project, out, widths=(320,), formats=("jpeg",), workers=1, progress=withdraw_once_rendering
    )
    assert withdrawn and summary.rendered == 3  # all three were cleared when it started
    assert set(summary.exported) == {ids["DSC_0002.JPG"]}
    held_back = {e["id"]: e for e in summary.excluded if e["id"] in ana}
    assert set(held_back) == ana
    assert all(e["reasons"][0] == "consent changed during the export" for e in held_back.values())
    assert all(e["verdict"] == "blocked" for e in held_back.values())
    images = {p.relative_to(out).as_posix() for p in (out / "images").rglob("*") if p.is_file()}
    assert images and all(path in summary.files for path in images)  # no orphaned renders
    page = (out / "index.html").read_text(encoding="utf-8")
    assert all(f"{i:05d}" not in page for i in ana)
    assert f"{ids['DSC_0002.JPG']:05d}" in page


@pytest.mark.slow
def test_archive_keeps_people_and_camera(
    project: Project, photo_folder: Path, tmp_path: Path, exiftool: str
) -> None:
    ids = _setup(project, photo_folder)
    out = tmp_path / "archive"
    summary = export(project, out, preset_name="archive", select=f"ids={ids['DSC_0000.JPG']}")
    [image] = [out / f for f in summary.files if f.endswith(".jpg")]
    [tags] = _tags(exiftool, [image])
    assert tags.get("XMP-iptcExt:PersonInImage") in ("Ana Müller", ["Ana Müller"])
    assert tags.get("IFD0:Model") == "Canon EOS R6"
    assert "GPS:GPSLatitude" not in tags


def test_bad_requests_are_refused(project: Project, photo_folder: Path, tmp_path: Path) -> None:
    ids = _setup(project, photo_folder)
    with pytest.raises(UserError, match="cannot be overridden"):
        export(project, tmp_path / "x", overrides=[(ids["DSC_0001.JPG"], "please")])
    with pytest.raises(UserError, match="no preset"):
        export(project, tmp_path / "x", preset_name="nonsense")
    with pytest.raises(UserError, match="formats"):
        export(project, tmp_path / "x", formats=("gif",))
    with pytest.raises(UserError, match="folder of its own"):
        export(project, project.originals_dir)


def test_cancelled_export_leaves_no_partial_files(project: Project, tmp_path: Path) -> None:
    folder = tmp_path / "card"
    for i in range(12):
        make_jpeg(folder / f"{i}.jpg", seed=i, size=(2000, 1400))
    import_sources(project, [folder], workers=2)
    all_ids = [r["id"] for r in photos.list_photos(project.conn)]
    edits.apply_edit(project, all_ids, edits.EditRequest(no_identifiable_people=True))
    cancel = CancelToken()

    def stop(event: ProgressEvent) -> None:
        if event.kind == "photo_exported":
            cancel.cancel()

    out = tmp_path / "site"
    summary = export(project, out, progress=stop, cancel=cancel, workers=2)
    assert summary.cancelled
    assert 1 <= len(summary.exported) < 12
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".tmp") or ".tmp" in p.name]
    assert leftovers == []
    # The next run picks up where it stopped.
    rest = export(project, out, workers=2)
    assert rest.reused == len(summary.exported) and len(rest.exported) == 12


@pytest.mark.slow
def test_albums_by_keyword_and_zips(project: Project, photo_folder: Path, tmp_path: Path) -> None:
    import zipfile

    import_sources(project, [photo_folder], workers=2)
    ids = [r["id"] for r in photos.list_photos(project.conn)]
    edits.apply_edit(project, ids, edits.EditRequest(no_identifiable_people=True))
    edits.apply_edit(project, ids[:2], edits.EditRequest(add_keywords=["Sessions|Keynote"]))
    edits.apply_edit(project, ids[2:4], edits.EditRequest(add_keywords=["Sessions|Panel"]))
    out = tmp_path / "site"
    summary = export(
        project, out, widths=(240,), formats=("jpeg",), album_keyword="Sessions", make_zip=True
    )
    assert {"albums/keynote.html", "albums/panel.html", "albums/more-photos.html"} <= set(
        summary.files
    )
    with zipfile.ZipFile(out / "keynote.zip") as archive:
        assert len(archive.namelist()) == 2
    in_keynote_zip = {
        r[0]
        for r in project.conn.execute(
            "SELECT photo_id FROM export_files WHERE path = 'keynote.zip' AND export_id = ?",
            (summary.export_id,),
        )
    }
    assert in_keynote_zip == set(ids[:2])
    keynote_page = (out / "albums" / "keynote.html").read_text(encoding="utf-8")
    assert "keynote.zip" in keynote_page
    # Without --zip next time, the zips go (they would keep photos that may be withdrawn).
    again = export(project, out, widths=(240,), formats=("jpeg",), album_keyword="Sessions")
    assert "keynote.zip" in again.removed and not (out / "keynote.zip").exists()


def test_long_edge_fit_keeps_portraits_as_tall_as_landscapes_are_wide(tmp_path: Path) -> None:
    from gallery_app.core.export.model import EmbeddedMetadata, RenditionSpec
    from gallery_app.core.export.renditions import render_photo

    portrait = make_jpeg(tmp_path / "p.jpg", size=(600, 400), orientation=6)  # shows 400×600
    by_width = render_photo(
        portrait, 6, tmp_path / "w", "p", RenditionSpec(widths=(480, 240)), EmbeddedMetadata()
    )
    assert sorted((f.width, f.height) for f in by_width) == [(240, 360)]  # 480 > 400: skipped
    by_edge = render_photo(
        portrait,
        6,
        tmp_path / "e",
        "p",
        RenditionSpec(widths=(480, 240), fit="long_edge"),
        EmbeddedMetadata(),
    )
    assert sorted((f.width, f.height) for f in by_edge) == [(240, 360), (320, 480)]
