"""Write-back into originals and sidecars, checked with exiftool as the independent oracle.

Real components only: real projects (SQLite), real camera JPEGs from the corpus (written on
copies in tmp_path), Pillow-made PNG/WebP/TIFF, pillow-heif HEIC, exiftool reading the result
(``-a -G1 -j`` and ``-use MWG``) and validating it, the import reading it back in a fresh
project. exiftool runs once per batch of files, not per field, to keep the suite fast.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from gallery_app.core import edits
from gallery_app.core.catalog import photos
from gallery_app.core.consent import store
from gallery_app.core.consent.model import USES, ConsentStatus
from gallery_app.core.export.embed import insert_app13
from gallery_app.core.importing.importer import import_sources
from gallery_app.core.metadata import read_metadata
from gallery_app.core.metadata.irb import PHOTOSHOP_HEADER
from gallery_app.core.model import TEXT_FIELDS
from gallery_app.core.people.register import add_person
from gallery_app.core.project import Project, ProjectDefaults, create_project, open_project
from gallery_app.core.thumbnails import thumbnails_fresh
from gallery_app.core.writeback import WriteState, write_back, write_state, write_states
from gallery_app.core.writeback import files as wfiles
from gallery_app.core.writeback.fields import WriteFields
from gallery_app.core.writeback.jpeg import scan_data
from gallery_app.core.writeback.xmp import XmpMergeError, XmpProperties, merge_xmp
from tests.helpers import make_jpeg

REPO = Path(__file__).resolve().parents[2]
CAPTION = "Dr. Zoë Müller opens the Summit — “data for everyone” & <more>"
TITLE = "Opening keynote"
HEADLINE = "Opening keynote, Open Data Summit 2026"
ALT = "A woman speaks at a lectern in front of a bar chart."
EXT = "The slide shows open-data downloads rising from 2019 to 2026."
CREATOR = "Jo Fotógrafo"
CREDIT = "Jo Fotógrafo / Example Org"
RIGHTS = "© 2026 Example Org. All rights reserved."
TERMS = "Editorial use only."
KEYWORDS = ["Events|Open Data Summit 2026", "conference", "Ünïcode"]
PEOPLE = ["Zoë Müller", "Ana Łukasiewicz"]


# --- helpers ---------------------------------------------------------------------------------


def exiftool_json(exiftool: str, paths: list[Path], *args: str) -> dict[str, dict[str, Any]]:
    """One exiftool run over many files: ``{file name: tags}``."""
    result = subprocess.run(
        [exiftool, "-j", "-q", "-q", *args, *map(str, paths)],
        capture_output=True,
        check=False,
        timeout=300,
    )
    documents: list[dict[str, Any]] = json.loads(result.stdout or b"[]")
    return {Path(d["SourceFile"]).name: d for d in documents}


def validate_warnings(exiftool: str, paths: list[Path]) -> dict[str, list[str]]:
    """``exiftool -validate`` warnings per file name, in one run (text output keeps dupes)."""
    result = subprocess.run(
        [exiftool, "-validate", "-warning", "-a", *map(str, paths)],
        capture_output=True,
        check=False,
        timeout=300,
        text=True,
    )
    warnings: dict[str, list[str]] = {}
    current = paths[0].name if len(paths) == 1 else ""
    for line in result.stdout.splitlines():
        if line.startswith("======== "):
            current = Path(line[9:].strip()).name
            warnings[current] = []
        elif line.startswith("Warning") and ":" in line:
            warnings.setdefault(current, []).append(line.split(":", 1)[1].strip())
    return warnings


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def pixels(path: Path) -> bytes:
    with Image.open(path) as image:
        return image.tobytes()


def new_project(root: Path, name: str = "Open Data Summit 2026") -> Project:
    return create_project(root, ProjectDefaults(event_name=name, event_date="2026-05-14"))


def import_one(project: Project, source: Path, *, reference: bool = False) -> int:
    summary = import_sources(project, [source], reference=reference, workers=1)
    assert summary.failed == [], summary.failed
    assert len(summary.imported) == 1, summary.to_dict()
    return summary.imported[0]


def describe_everything(project: Project, photo_id: int, *, consent: bool = True) -> None:
    """Every field write-back writes, as a user would set it (plus the two import-only ones)."""
    for name in PEOPLE:
        add_person(project, name=name)
    if consent:
        for name in PEOPLE:
            store.add_record(
                project, name, store.new_record(ConsentStatus.GRANTED, frozenset(USES))
            )
    edits.apply_edit(
        project,
        [photo_id],
        edits.EditRequest(
            caption=CAPTION,
            title=TITLE,
            headline=HEADLINE,
            alt_text=ALT,
            creator=CREATOR,
            credit=CREDIT,
            copyright=RIGHTS,
            rating=4,
            color_label="purple",
            add_keywords=KEYWORDS,
            add_people=PEOPLE,
        ),
    )
    with project.conn:
        project.conn.execute(
            "UPDATE photos SET ext_description = ?, usage_terms = ? WHERE id = ?",
            (EXT, TERMS, photo_id),
        )


DESCRIPTIVE = (
    *TEXT_FIELDS,
    "rating",
    "flag",
    "color_label",
)


def descriptive(project: Project, photo_id: int) -> dict[str, Any]:
    row = photos.get_photo(project.conn, photo_id)
    result = {k: row[k] for k in DESCRIPTIVE}
    result["keywords"] = sorted(row["keywords"])
    result["people"] = sorted(row["people"])
    return result


def sample_fields(**changes: Any) -> WriteFields:
    values: dict[str, Any] = {
        "title": TITLE,
        "headline": HEADLINE,
        "caption": CAPTION,
        "alt_text": ALT,
        "ext_description": EXT,
        "creator": CREATOR,
        "credit": CREDIT,
        "copyright": RIGHTS,
        "usage_terms": TERMS,
        "keywords": tuple(KEYWORDS),
        "people": tuple(PEOPLE),
        "event": "Open Data Summit 2026",
        "rating": 3,
        "rejected": False,
        "color_label": "green",
        "model_release_status": "http://ns.useplus.org/ldf/vocab/MR-UMR",
    }
    values.update(changes)
    return WriteFields(**values)


def writable_copy(source: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    shutil.copyfile(source, target)  # not copy(): the corpus files are read-only
    return target


def corpus_jpegs(corpus_dir: Path) -> list[Path]:
    return sorted(
        p
        for p in (corpus_dir / "jpg").rglob("*")
        if p.suffix.lower() in {".jpg", ".jpeg"} and "invalid" not in p.parts
    )


# --- JPEG: every field, exiftool as oracle -------------------------------------------------------


def assert_every_field(tags: dict[str, Any], *, exif: bool = True, iim: bool = True) -> None:
    assert tags["XMP-dc:Title"] == TITLE
    assert tags["XMP-dc:Description"] == CAPTION
    assert tags["XMP-photoshop:Headline"] == HEADLINE
    assert tags["XMP-iptcCore:AltTextAccessibility"] == ALT
    assert tags["XMP-iptcCore:ExtDescrAccessibility"] == EXT
    assert as_list(tags["XMP-dc:Creator"]) == [CREATOR]
    assert tags["XMP-photoshop:Credit"] == CREDIT
    assert tags["XMP-dc:Rights"] == RIGHTS
    assert tags["XMP-xmpRights:UsageTerms"] == TERMS
    assert sorted(as_list(tags["XMP-dc:Subject"])) == sorted(
        ["Open Data Summit 2026", "conference", "Ünïcode"]
    )
    assert as_list(tags["XMP-lr:HierarchicalSubject"]) == ["Events|Open Data Summit 2026"]
    assert sorted(as_list(tags["XMP-iptcExt:PersonInImage"])) == sorted(PEOPLE)
    assert tags["XMP-iptcExt:Event"] == "Open Data Summit 2026"
    assert tags["XMP-xmp:Rating"] == 4
    assert tags["XMP-xmp:Label"] == "Purple"
    assert str(tags["XMP-plus:ModelReleaseStatus"]).endswith("MR-UMR")  # exiftool drops the URI
    if exif:
        assert tags["IFD0:ImageDescription"] == CAPTION
        assert tags["IFD0:Artist"] == CREATOR
        assert tags["IFD0:Copyright"] == RIGHTS
    if iim:
        assert tags["IPTC:CodedCharacterSet"] == "\x1b%G"
        assert tags["IPTC:ObjectName"] == TITLE
        assert tags["IPTC:Caption-Abstract"] == CAPTION
        assert tags["IPTC:Headline"] == HEADLINE
        # By-line and Credit are cut at 32 bytes, on a character boundary.
        assert tags["IPTC:By-line"] == CREATOR
        assert CREDIT.encode().startswith(str(tags["IPTC:Credit"]).encode())
        assert len(str(tags["IPTC:Credit"]).encode()) <= 32
        assert tags["IPTC:CopyrightNotice"] == RIGHTS
        assert sorted(as_list(tags["IPTC:Keywords"])) == sorted(
            ["Open Data Summit 2026", "conference", "Ünïcode"]
        )
        assert tags["Photoshop:IPTCDigest"] == tags["File:CurrentIPTCDigest"]


@pytest.mark.corpus
def test_jpeg_every_field_round_trips_through_exiftool_and_a_fresh_import(
    tmp_path: Path, corpus_dir: Path, exiftool: str
) -> None:
    source = writable_copy(corpus_dir / "jpg/gps/DSCN0010.jpg", tmp_path / "card")
    original_bytes = source.read_bytes()
    with new_project(tmp_path / "p1") as project:
        photo_id = import_one(project, source)
        describe_everything(project, photo_id)
        assert write_state(project.conn, photo_id) is WriteState.NEVER_WRITTEN
        summary = write_back(project, [photo_id])
        assert summary.failed == []
        assert [w["target"] for w in summary.written] == ["file"]
        written = Path(summary.written[0]["path"])
        assert write_state(project.conn, photo_id) is WriteState.UP_TO_DATE
        expected = descriptive(project, photo_id)

    assert source.read_bytes() == original_bytes  # the card's file is never touched
    tags = exiftool_json(exiftool, [written], "-n", "-a", "-G1")[written.name]
    assert_every_field(tags)
    # Camera metadata we do not own is still there.
    assert tags["IFD0:Model"] == "COOLPIX P6000"
    assert tags["XMP-x:XMPToolkit"] == "Public XMP Toolkit Core 3.5"
    composite = exiftool_json(
        exiftool, [written], "-use", "MWG", "-Description", "-Keywords", "-Creator", "-Copyright"
    )[written.name]
    assert composite["Description"] == CAPTION
    assert as_list(composite["Creator"]) == [CREATOR]
    assert composite["Copyright"] == RIGHTS
    assert sorted(as_list(composite["Keywords"])) == sorted(
        ["Open Data Summit 2026", "conference", "Ünïcode"]
    )
    assert [*validate_warnings(exiftool, [written]).values()] == [
        *validate_warnings(exiftool, [source]).values()
    ]
    assert scan_data(written.read_bytes()) == scan_data(original_bytes)
    assert pixels(written) == pixels(source)

    # A fresh project importing the written file reads every field back identically.
    fresh_source = writable_copy(written, tmp_path / "elsewhere")
    with new_project(tmp_path / "p2") as fresh:
        fresh_id = import_one(fresh, fresh_source)
        assert descriptive(fresh, fresh_id) == expected


def test_write_back_is_skipped_when_up_to_date_and_redone_after_an_edit(
    project: Project, tmp_path: Path
) -> None:
    photo = make_jpeg(tmp_path / "cam" / "a.jpg", description="OLYMPUS DIGITAL CAMERA")
    photo_id = import_one(project, photo)
    first = write_back(project)
    assert [w["id"] for w in first.written] == [photo_id]
    second = write_back(project)
    assert second.written == [] and second.skipped == [photo_id]
    assert second.message == "Nothing to write: the files already hold what the catalog says."
    edits.apply_edit(project, [photo_id], edits.EditRequest(caption="New caption"))
    assert write_states(project.conn, [photo_id]) == {photo_id: WriteState.CHANGED}
    third = write_back(project)
    assert [w["id"] for w in third.written] == [photo_id]
    path = project.resolve(photos.get_photo(project.conn, photo_id)["path"])
    assert read_metadata(path).caption == "New caption"
    forced = write_back(project, force=True)
    assert [w["id"] for w in forced.written] == [photo_id]


def test_rewritten_file_is_still_a_duplicate_and_thumbnails_stay_fresh(
    project: Project, tmp_path: Path
) -> None:
    card = tmp_path / "card"
    make_jpeg(card / "a.jpg", seed=1)
    referenced = make_jpeg(tmp_path / "shelf" / "b.jpg", seed=2)
    copied_id = import_one(project, card)
    referenced_id = import_one(project, referenced.parent, reference=True)
    for photo_id in (copied_id, referenced_id):
        edits.apply_edit(project, [photo_id], edits.EditRequest(caption=f"Caption {photo_id}"))
    summary = write_back(project)
    assert len(summary.written) == 2
    copied = project.resolve(photos.get_photo(project.conn, copied_id)["path"])
    for photo_id, path in ((copied_id, copied), (referenced_id, referenced)):
        row = photos.get_photo(project.conn, photo_id)
        assert thumbnails_fresh(project.cache_dir, row["content_hash"], path)
    # The rewritten copy, brought back from elsewhere, and the referenced folder again.
    again = writable_copy(copied, tmp_path / "backup")
    result = import_sources(project, [again, referenced.parent], reference=True, workers=1)
    assert result.imported == [] and result.duplicates == 2


# --- other formats in place ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["png", "webp", "tiff"])
def test_png_webp_tiff_written_in_place(tmp_path: Path, exiftool: str, fmt: str) -> None:
    path = tmp_path / f"photo.{'tif' if fmt == 'tiff' else fmt}"
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x010E] = "old caption from the camera app"
    image = Image.effect_noise((96, 64), 40).convert("RGB")
    if fmt == "tiff":
        image.save(path, tiffinfo=exif)
    else:
        image.save(path, exif=exif)
    before = validate_warnings(exiftool, [path])
    original_pixels = pixels(path)
    fields = sample_fields(rating=4, color_label="purple")
    wfiles.write_into_file(path, fields, fmt)
    tags = exiftool_json(exiftool, [path], "-n", "-a", "-G1")[path.name]
    assert_every_field(tags, iim=False)
    assert pixels(path) == original_pixels
    assert validate_warnings(exiftool, [path]) == before
    md = read_metadata(path)
    assert md.caption == CAPTION and md.rating == 4 and md.color_label == "purple"
    assert md.camera_make == "Canon"


# --- sidecars -------------------------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize("naming", ["name.ext.xmp", "name.xmp"])
def test_heic_gets_a_sidecar_that_the_import_reads(
    tmp_path: Path, corpus_dir: Path, exiftool: str, naming: str
) -> None:
    source = writable_copy(corpus_dir / "heic/spring_1440x960.heic", tmp_path / "card")
    original = source.read_bytes()
    with new_project(tmp_path / "p1") as project:
        photo_id = import_one(project, source, reference=True)
        describe_everything(project, photo_id)
        summary = write_back(project, sidecar_naming=naming)
        assert summary.failed == []
        assert [w["target"] for w in summary.written] == ["sidecar"]
        expected = descriptive(project, photo_id)
    assert source.read_bytes() == original
    sidecar = Path(summary.written[0]["path"])
    name = f"{source.name}.xmp" if naming == "name.ext.xmp" else f"{source.stem}.xmp"
    assert sidecar == source.parent / name
    tags = exiftool_json(exiftool, [sidecar], "-n", "-a", "-G1")[sidecar.name]
    assert_every_field(tags, exif=False, iim=False)
    with new_project(tmp_path / "p2") as fresh:
        fresh_id = import_one(fresh, source, reference=True)
        assert descriptive(fresh, fresh_id) == expected
        assert photos.get_photo(fresh.conn, fresh_id)["metadata_sources"]["caption"] == "sidecar"


def test_sidecar_on_request_and_in_the_project_when_the_folder_is_read_only(
    project: Project, tmp_path: Path
) -> None:
    shelf = tmp_path / "shelf"
    photo = make_jpeg(shelf / "a.jpg")
    photo_id = import_one(project, shelf, reference=True)
    edits.apply_edit(project, [photo_id], edits.EditRequest(caption="On a read-only shelf"))
    before = photo.read_bytes()
    shelf.chmod(0o555)
    try:
        refused = write_back(project)
        assert refused.written == []
        (failure,) = refused.failed
        assert failure["path"] == str(photo)
        assert "cannot be changed" in failure["error"] and "read-only" in failure["error"]
        assert "--sidecar" in failure["error"]
        summary = write_back(project, sidecar=True)
        (item,) = summary.written
        assert Path(item["path"]) == project.root / "sidecars" / f"{photo_id}-a.jpg.xmp"
    finally:
        shelf.chmod(0o755)
    assert photo.read_bytes() == before
    assert read_metadata(Path(item["path"])).caption == "On a read-only shelf"


# --- failures: each fails alone, clearly --------------------------------------------------------


def test_missing_damaged_read_only_and_too_long_each_fail_alone(
    project: Project, tmp_path: Path
) -> None:
    shelf = tmp_path / "shelf"
    good = make_jpeg(shelf / "good.jpg", seed=1)
    missing = make_jpeg(shelf / "missing.jpg", seed=2)
    damaged = make_jpeg(shelf / "damaged.jpg", seed=3)
    locked = make_jpeg(shelf / "locked.jpg", seed=4)
    long = make_jpeg(shelf / "long.jpg", seed=5)
    summary = import_sources(project, [shelf], reference=True, workers=1)
    ids = {Path(photos.get_photo(project.conn, i)["path"]).name: i for i in summary.imported}
    edits.apply_edit(project, list(ids.values()), edits.EditRequest(caption="Everyone"))
    edits.apply_edit(project, [ids["long.jpg"]], edits.EditRequest(caption="x " * 40_000))
    missing.unlink()
    data = damaged.read_bytes()
    # APP1 claims more bytes than the (cut) file has.
    damaged.write_bytes((data[:2] + b"\xff\xe1\xff\xff" + data[6:])[:4000])
    damaged_before = damaged.read_bytes()
    locked.chmod(0o444)
    long_before = long.read_bytes()

    result = write_back(project)

    errors = {Path(f["path"]).name: f["error"] for f in result.failed}
    assert set(errors) == {"missing.jpg", "damaged.jpg", "locked.jpg", "long.jpg"}
    assert "missing" in errors["missing.jpg"]
    assert "damaged JPEG" in errors["damaged.jpg"]
    assert "read-only" in errors["locked.jpg"] and "--sidecar" in errors["locked.jpg"]
    assert "64 KB" in errors["long.jpg"] or "ExtendedXMP" in errors["long.jpg"]
    assert [w["id"] for w in result.written] == [ids["good.jpg"]]
    assert read_metadata(good).caption == "Everyone"
    assert damaged.read_bytes() == damaged_before
    assert long.read_bytes() == long_before
    assert not list(shelf.glob(".*.tmp"))
    assert write_state(project.conn, ids["long.jpg"]) is WriteState.NEVER_WRITTEN


# --- XMP merge ---------------------------------------------------------------------------------


def test_xmp_merge_keeps_what_others_wrote_with_their_prefixes() -> None:
    theirs = (
        b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Camera 1.0">'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description rdf:about="" xmlns:MicrosoftPhoto="http://ns.microsoft.com/photo/1.0"'
        b' xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        b' xmlns:acme="http://example.com/acme/1.0/" xmp:Rating="1" acme:Secret="kept">'
        b"<MicrosoftPhoto:Rating>1</MicrosoftPhoto:Rating>"
        b"<dc:description><rdf:Alt><rdf:li xml:lang='x-default'>old</rdf:li></rdf:Alt>"
        b"</dc:description></rdf:Description></rdf:RDF></x:xmpmeta>"
        b'<?xpacket end="w"?>'
    )
    fields = sample_fields(rating=5)
    props = XmpProperties(fields.embedded(), 5, "red", fields.keywords)
    merged = merge_xmp(theirs, props).decode("utf-8")
    assert 'xmlns:MicrosoftPhoto="http://ns.microsoft.com/photo/1.0"' in merged
    assert 'acme:Secret="kept"' in merged and 'x:xmptk="Camera 1.0"' in merged
    assert "old" not in merged and 'xmp:Rating="1"' not in merged
    assert "<MicrosoftPhoto:Rating>99</MicrosoftPhoto:Rating>" in merged
    assert "<xmp:Rating>5</xmp:Rating>" in merged
    with pytest.raises(XmpMergeError, match="DOCTYPE"):
        merge_xmp(b'<!DOCTYPE x [<!ENTITY a "b">]><x:xmpmeta xmlns:x="adobe:ns:meta/"/>', props)
    with pytest.raises(XmpMergeError, match="well-formed"):
        merge_xmp(b"<x:xmpmeta", props)


# --- the corpus ---------------------------------------------------------------------------------


@pytest.mark.corpus
def test_whole_jpeg_corpus_written_without_new_warnings_or_maker_note_changes(
    tmp_path: Path, corpus_dir: Path, exiftool: str
) -> None:
    sources = corpus_jpegs(corpus_dir)
    assert len(sources) >= 40
    copies: list[Path] = []
    for index, source in enumerate(sources):
        copies.append(writable_copy(source, tmp_path / f"{index:03d}"))
    fields = sample_fields()
    failures = {}
    for path in copies:
        try:
            wfiles.write_into_file(path, fields, "jpeg")
        except wfiles.WriteFailure as exc:
            failures[path.name] = str(exc)
    assert failures == {}
    # One exiftool run per question over the whole corpus (originals, then copies).
    before = validate_warnings(exiftool, sources)
    after = validate_warnings(exiftool, copies)
    new = {name: [w for w in after[name] if w not in before[name]] for name in after}
    assert {k: v for k, v in new.items() if v} == {}
    notes_before = exiftool_json(exiftool, sources, "-a", "-G1", "-MakerNotes:all")
    notes_after = exiftool_json(exiftool, copies, "-a", "-G1", "-MakerNotes:all")
    for name, tags in notes_before.items():
        tags.pop("SourceFile")
        after_tags = dict(notes_after[name])
        after_tags.pop("SourceFile")
        assert after_tags == tags, name
    assert sum(len(t) for t in notes_before.values()) > 500  # real maker notes were compared
    written = exiftool_json(exiftool, copies, "-n", "-a", "-G1")
    for source, copy in zip(sources, copies, strict=True):
        assert scan_data(copy.read_bytes()) == scan_data(source.read_bytes()), source.name
        tags = written[copy.name]
        assert tags["XMP-dc:Description"] == CAPTION, source.name
        assert tags["IFD0:ImageDescription"] == CAPTION, source.name
        assert tags["Photoshop:IPTCDigest"] == tags["File:CurrentIPTCDigest"], source.name
        assert read_metadata(copy).caption == CAPTION


@pytest.mark.corpus
def test_invalid_corpus_files_fail_cleanly_or_write_safely(
    tmp_path: Path, corpus_dir: Path
) -> None:
    invalid = sorted((corpus_dir / "jpg" / "invalid").glob("*.jpg"))
    assert invalid
    for index, source in enumerate(invalid):
        copy = writable_copy(source, tmp_path / f"{index:03d}")
        before = copy.read_bytes()
        try:
            wfiles.write_into_file(copy, sample_fields(), "jpeg")
        except wfiles.WriteFailure as exc:
            assert str(exc) and "\n" not in str(exc)
            assert copy.read_bytes() == before, source.name
        else:
            assert scan_data(copy.read_bytes()) == scan_data(before), source.name
        assert sorted(p.name for p in copy.parent.iterdir()) == [copy.name]


# --- a kill at any moment -----------------------------------------------------------------------

_KILL_WORKER = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from gallery_app.core.writeback import files
from tests.core.test_writeback import sample_fields
path = Path(sys.argv[1])
i = 0
while True:
    i += 1
    files.write_into_file(path, sample_fields(caption=f"caption {i % 2}"), "jpeg")
    print(i, flush=True)
"""


@pytest.mark.corpus
def test_kill_9_at_random_moments_leaves_the_original_whole(
    tmp_path: Path, corpus_dir: Path
) -> None:
    path = writable_copy(corpus_dir / "jpg/Canon_40D.jpg", tmp_path / "card")
    original_pixels = pixels(path)
    original_scan = scan_data(path.read_bytes())
    rng = random.Random(6)
    writes_seen = 0
    for _ in range(6):
        proc = subprocess.Popen(
            [sys.executable, "-c", _KILL_WORKER, str(path), str(REPO)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        time.sleep(rng.uniform(0.8, 2.0))  # start-up takes ~0.5 s, then writes in a loop
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
        writes_seen += len(out.split())
        assert scan_data(path.read_bytes()) == original_scan
        assert pixels(path) == original_pixels
        caption = read_metadata(path).caption
        assert caption in (None, "caption 0", "caption 1")
    assert writes_seen > 0  # the kills did land during repeated writes
    # What a kill leaves behind is only the hidden temporary file, removed by the next write.
    wfiles.write_into_file(path, sample_fields(), "jpeg")
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_photoshop_resources_without_iim_survive_when_there_is_no_iim_to_write(
    tmp_path: Path, exiftool: str
) -> None:
    path = make_jpeg(tmp_path / "a.jpg", make=None, model=None, captured=None)
    resolution = b"\x00\x48\x00\x00\x00\x01\x00\x01\x00\x48\x00\x00\x00\x01\x00\x01"
    irb_block = b"8BIM" + b"\x03\xed" + b"\x00\x00" + len(resolution).to_bytes(4, "big")
    path.write_bytes(insert_app13(path.read_bytes(), PHOTOSHOP_HEADER + irb_block + resolution))
    empty = {name: None for name in ("title", "headline", "caption", "alt_text")}
    fields = sample_fields(
        **empty,
        ext_description=None,
        creator=None,
        credit=None,
        copyright=None,
        usage_terms=None,
        keywords=(),
        people=(),
        model_release_status=None,
    )
    wfiles.write_into_file(path, fields, "jpeg")
    tags = exiftool_json(exiftool, [path], "-a", "-G1", "-n")[path.name]
    assert tags["Photoshop:XResolution"] == 72
    assert "IPTC:Caption-Abstract" not in tags
    assert tags["XMP-xmp:Rating"] == 3


@pytest.mark.corpus
def test_rewriting_again_and_again_does_not_grow_the_file(
    tmp_path: Path, corpus_dir: Path, exiftool: str
) -> None:
    path = writable_copy(corpus_dir / "jpg/Nikon_D70.jpg", tmp_path)
    sizes = []
    for i in range(12):
        caption = f"Caption number {i % 3}: " + "x" * ((i % 3) * 20 + 1)
        wfiles.write_into_file(path, sample_fields(caption=caption), "jpeg")
        sizes.append(path.stat().st_size)
        assert read_metadata(path).caption == caption
    # Once the longest caption has been written, the same captions give the same sizes.
    assert sizes[3:6] == sizes[6:9] == sizes[9:12]
    source = corpus_dir / "jpg/Nikon_D70.jpg"
    after = validate_warnings(exiftool, [path])[path.name]
    before = validate_warnings(exiftool, [source])[source.name]
    assert after == before


def _with_segment_after_exif(jpeg_bytes: bytes, *segments: bytes) -> bytes:
    """``jpeg_bytes`` with raw segments right after its EXIF APP1."""
    exif_start = jpeg_bytes.index(b"Exif\x00\x00") - 4
    exif_end = exif_start + 2 + int.from_bytes(jpeg_bytes[exif_start + 2 : exif_start + 4], "big")
    return jpeg_bytes[:exif_end] + b"".join(segments) + jpeg_bytes[exif_end:]


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + (len(payload) + 2).to_bytes(2, "big") + payload


def test_multi_picture_jpeg_is_refused_only_when_its_secondary_images_would_move(
    tmp_path: Path,
) -> None:
    base = make_jpeg(tmp_path / "base.jpg").read_bytes()
    mpf = _segment(0xE2, b"MPF\x00" + b"\x00" * 40)
    xmp = _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")
    after = tmp_path / "xmp_after_mpf.jpg"
    after.write_bytes(_with_segment_after_exif(base, mpf, xmp))
    before = after.read_bytes()
    with pytest.raises(wfiles.WriteFailure, match="multi-picture JPEG"):
        wfiles.write_into_file(after, sample_fields(), "jpeg")
    assert after.read_bytes() == before
    # Without metadata behind the index, ours goes in front of it and the tail is unchanged.
    safe = tmp_path / "mpf_only.jpg"
    safe.write_bytes(_with_segment_after_exif(base, mpf))
    tail = safe.read_bytes()[safe.read_bytes().index(mpf) :]
    wfiles.write_into_file(safe, sample_fields(), "jpeg")
    written = safe.read_bytes()
    assert written[written.index(mpf) :] == tail
    assert read_metadata(safe).caption == CAPTION


def test_a_moved_project_still_knows_its_files_are_up_to_date(tmp_path: Path) -> None:
    with new_project(tmp_path / "before") as project:
        photo_id = import_one(project, make_jpeg(tmp_path / "card" / "a.jpg"))
        edits.apply_edit(project, [photo_id], edits.EditRequest(caption="Moved along"))
        assert len(write_back(project).written) == 1
    (tmp_path / "before").rename(tmp_path / "after")
    with open_project(tmp_path / "after") as moved:
        summary = write_back(moved)
        assert summary.written == [] and summary.skipped == [photo_id]
        assert write_state(moved.conn, photo_id) is WriteState.UP_TO_DATE


def test_iim_values_are_cut_at_their_byte_limit_on_a_character_boundary(
    tmp_path: Path, exiftool: str
) -> None:
    path = make_jpeg(tmp_path / "a.jpg")
    credit = "aŁ" * 20  # 3 bytes a pair: the 32-byte limit falls inside a "Ł"
    wfiles.write_into_file(path, sample_fields(credit=credit), "jpeg")
    tags = exiftool_json(exiftool, [path], "-a", "-G1", "-n")[path.name]
    assert tags["IPTC:Credit"] == "aŁ" * 10 + "a"  # 31 bytes, valid UTF-8
    assert tags["XMP-photoshop:Credit"] == credit
    assert read_metadata(path).credit == credit  # the digest says XMP and IIM are in step
