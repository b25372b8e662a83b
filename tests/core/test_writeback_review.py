"""Write-back: the defects a review found, each reproduced on real files and fixed.

Same rules as ``test_writeback.py``: real projects, real JPEG/TIFF files, exiftool as the
independent oracle for what is in a file, the import's reader for what comes back.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from gallery_app.core import edits
from gallery_app.core.catalog import photos
from gallery_app.core.metadata import apply_sidecar, read_metadata, sidecar_candidates
from gallery_app.core.project import Project, open_project
from gallery_app.core.writeback import WriteState, tiffpatch, write_back, write_state
from gallery_app.core.writeback import files as wfiles
from gallery_app.core.writeback.xmp import XmpMergeError, XmpProperties, merge_xmp
from tests.core.test_writeback import (
    CAPTION,
    REPO,
    as_list,
    exiftool_json,
    import_one,
    new_project,
    sample_fields,
    validate_warnings,
)
from tests.helpers import make_jpeg

REGIONS = (
    "{AppliedToDimensions={W=640,H=427,Unit=pixel},RegionList=["
    "{Area={X=0.5,Y=0.4,W=0.2,H=0.3,Unit=normalized},Name=Bo,Type=Face},"
    "{Area={X=0.2,Y=0.4,W=0.2,H=0.3,Unit=normalized},Name=Ann,Type=Face},"
    "{Area={X=0.8,Y=0.4,W=0.1,H=0.1,Unit=normalized},Name=Rex,Type=Pet}]}"
)


def exiftool_set(exiftool: str, path: Path, *args: str) -> None:
    subprocess.run([exiftool, "-q", "-overwrite_original", *args, str(path)], check=True)


# --- 1. project sidecars of same-named originals ------------------------------------------------


def test_same_named_originals_on_read_only_media_get_their_own_project_sidecars(
    project: Project, tmp_path: Path
) -> None:
    one = make_jpeg(tmp_path / "cam1" / "DSC_0001.jpg", seed=1)
    two = make_jpeg(tmp_path / "cam2" / "DSC_0001.jpg", seed=2)
    summary = import_sources_ok(project, [one.parent, two.parent])
    first, second = summary
    edits.apply_edit(project, [first], edits.EditRequest(caption="camera one"))
    edits.apply_edit(project, [second], edits.EditRequest(caption="camera two"))
    for folder in (one.parent, two.parent):
        folder.chmod(0o555)
    try:
        result = write_back(project, sidecar=True)
        again = write_back(project, sidecar=True)
    finally:
        for folder in (one.parent, two.parent):
            folder.chmod(0o755)
    assert result.failed == []
    paths = {w["id"]: Path(w["path"]) for w in result.written}
    assert paths == {
        first: project.root / "sidecars" / f"{first}-DSC_0001.jpg.xmp",
        second: project.root / "sidecars" / f"{second}-DSC_0001.jpg.xmp",
    }
    assert read_metadata(paths[first]).caption == "camera one"
    assert read_metadata(paths[second]).caption == "camera two"
    assert again.written == [] and sorted(again.skipped) == [first, second]
    # They are the catalog's own copies: the import does not take them for the originals'.
    assert sidecar_candidates(one) == [] and sidecar_candidates(two) == []


def import_sources_ok(project: Project, sources: list[Path]) -> list[int]:
    from gallery_app.core.importing.importer import import_sources

    summary = import_sources(project, sources, reference=True, workers=1)
    assert summary.failed == []
    return list(summary.imported)


# --- 2. removed people leave the file ------------------------------------------------------------


def test_a_removed_person_leaves_the_file_face_region_included(
    tmp_path: Path, exiftool: str
) -> None:
    photo = make_jpeg(tmp_path / "card" / "a.jpg")
    exiftool_set(exiftool, photo, "-XMP-mwg-rs:RegionInfo=" + REGIONS)
    with new_project(tmp_path / "p") as project:
        photo_id = import_one(project, photo, reference=True)
        assert sorted(photos.get_photo(project.conn, photo_id)["people"]) == ["Ann", "Bo"]
        edits.apply_edit(project, [photo_id], edits.EditRequest(remove_people=["Bo"]))
        summary = write_back(project)
        assert summary.failed == [] and len(summary.written) == 1
    tags = exiftool_json(exiftool, [photo], "-a", "-G1", "-struct")[photo.name]
    regions = tags["XMP-mwg-rs:RegionInfo"]["RegionList"]
    assert sorted(r["Name"] for r in regions) == ["Ann", "Rex"]  # the pet region stays
    assert as_list(tags["XMP-iptcExt:PersonInImage"]) == ["Ann"]
    assert read_metadata(photo).people == ["Ann"]
    # Re-import in a fresh project: Bo does not come back.
    with new_project(tmp_path / "fresh") as fresh:
        fresh_id = import_one(fresh, photo, reference=True)
        assert photos.get_photo(fresh.conn, fresh_id)["people"] == ["Ann"]


def test_verification_wants_exactly_the_people_written(tmp_path: Path) -> None:
    photo = make_jpeg(tmp_path / "a.jpg")
    wfiles.write_into_file(photo, sample_fields(people=("Ann", "Bo")), "jpeg")
    read = read_metadata(photo)
    assert wfiles.mismatches(read, sample_fields(people=("Ann", "Bo"))) == []
    assert wfiles.mismatches(read, sample_fields(people=("Ann",))) == ["people"]


# --- 3. symlinks, owner, mode, extended attributes ----------------------------------------------


def test_a_symlinked_original_stays_a_link_and_its_file_keeps_owner_mode_and_xattrs(
    tmp_path: Path,
) -> None:
    real = make_jpeg(tmp_path / "store" / "b.jpg")
    link = tmp_path / "links" / "b.jpg"
    link.parent.mkdir()
    link.symlink_to(real)
    real.chmod(0o640)
    owner = (65534, 65534) if os.geteuid() == 0 else (os.getuid(), os.getgid())
    os.chown(real, *owner)
    os.setxattr(real, "user.gallery.test", b"kept")
    written = wfiles.write_into_file(link, sample_fields(), "jpeg")
    assert link.is_symlink() and link.resolve() == real
    assert written.path == real
    assert read_metadata(real).caption == CAPTION
    info = real.stat()
    assert (info.st_mode & 0o7777, info.st_uid, info.st_gid) == (0o640, *owner)
    assert os.getxattr(real, "user.gallery.test") == b"kept"
    assert sorted(p.name for p in real.parent.iterdir()) == ["b.jpg"]


# --- 4. temporary files -------------------------------------------------------------------------


def test_a_planted_symlink_at_the_old_temp_name_is_never_followed(tmp_path: Path) -> None:
    photo = make_jpeg(tmp_path / "card" / "a.jpg")
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    (photo.parent / ".a.jpg.gc-writeback.tmp").symlink_to(victim)
    planted = photo.parent / ".a.jpg.XXXXXXXX.gc-writeback.tmp"
    planted.symlink_to(victim)
    wfiles.write_into_file(photo, sample_fields(), "jpeg")
    assert victim.read_bytes() == b"precious"
    assert planted.is_symlink()  # not ours: left alone, not deleted either
    assert read_metadata(photo).caption == CAPTION


def test_a_live_writers_temp_file_survives_and_a_dead_ones_is_removed(tmp_path: Path) -> None:
    import fcntl

    photo = make_jpeg(tmp_path / "card" / "a.jpg")
    stale = photo.parent / ".a.jpg.deadbeef.gc-writeback.tmp"
    stale.write_bytes(b"left by a kill")
    live = photo.parent / ".a.jpg.live1234.gc-writeback.tmp"
    live.write_bytes(b"another writer")
    fd = os.open(live, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        wfiles.write_into_file(photo, sample_fields(), "jpeg")
        assert not stale.exists()
        assert live.read_bytes() == b"another writer"
    finally:
        os.close(fd)


# --- 5, 6. other tools' IIM ---------------------------------------------------------------------


def test_binary_and_over_long_latin1_iim_datasets_are_kept_within_limits(
    tmp_path: Path, exiftool: str
) -> None:
    photo = make_jpeg(tmp_path / "a.jpg")
    source = tmp_path / "source.jpg"
    exiftool_set(
        exiftool,
        photo,
        "-IPTC:ObjectPreviewFileFormat#=1",
        "-IPTC:ObjectPreviewData=abc",
        "-IPTC:City=Zürich Größenwahn Straßeßßßßßß",  # 30 bytes in Latin-1, 40 in UTF-8
        "-IPTC:SpecialInstructions=naïve",
    )
    source.write_bytes(photo.read_bytes())
    wfiles.write_into_file(photo, sample_fields(), "jpeg")
    tags = exiftool_json(exiftool, [photo], "-a", "-G1", "-b")[photo.name]
    assert tags["IPTC:ObjectPreviewData"] == "abc"
    assert tags["IPTC:SpecialInstructions"] == "naïve"
    city = str(tags["IPTC:City"])
    assert "Zürich Größenwahn Straßeßßßßßß".startswith(city) and len(city.encode()) <= 32
    assert tags["IPTC:Caption-Abstract"] == CAPTION
    assert (
        validate_warnings(exiftool, [photo])[photo.name]
        == (validate_warnings(exiftool, [source])[source.name])
    )


# --- 7. values we own but do not have ------------------------------------------------------------


def test_release_status_event_and_workflow_label_of_others_are_kept_without_our_value(
    tmp_path: Path, exiftool: str
) -> None:
    photo = make_jpeg(tmp_path / "a.jpg")
    exiftool_set(
        exiftool,
        photo,
        "-XMP-plus:ModelReleaseStatus#=http://ns.useplus.org/ldf/vocab/MR-LMR",
        "-XMP-xmp:Label=Approved",
        "-XMP-iptcExt:Event=Summit day 1",
        "-XMP-xmpRights:Marked=True",
    )
    nothing = sample_fields(model_release_status=None, color_label=None, event=None, copyright=None)
    wfiles.write_into_file(photo, nothing, "jpeg")
    tags = exiftool_json(exiftool, [photo], "-a", "-G1", "-n")[photo.name]
    assert tags["XMP-plus:ModelReleaseStatus"] == "http://ns.useplus.org/ldf/vocab/MR-LMR"
    assert tags["XMP-xmp:Label"] == "Approved"
    assert tags["XMP-iptcExt:Event"] == "Summit day 1"
    assert tags["XMP-xmpRights:Marked"] in (True, "True", 1)
    ours = sample_fields(color_label="red", event="Summit")
    wfiles.write_into_file(photo, ours, "jpeg")
    tags = exiftool_json(exiftool, [photo], "-a", "-G1", "-n")[photo.name]
    assert str(tags["XMP-plus:ModelReleaseStatus"]).endswith("MR-UMR")
    assert tags["XMP-xmp:Label"] == "Red"
    assert tags["XMP-iptcExt:Event"] == "Summit"
    # A colour we wrote is ours to clear.
    wfiles.write_into_file(photo, sample_fields(color_label=None), "jpeg")
    tags = exiftool_json(exiftool, [photo], "-a", "-G1", "-n")[photo.name]
    assert "XMP-xmp:Label" not in tags


# --- 8. sidecars and the file: which one speaks ----------------------------------------------


def test_writing_into_the_file_brings_our_earlier_sidecar_in_step(tmp_path: Path) -> None:
    photo = make_jpeg(tmp_path / "card" / "a.jpg")
    with new_project(tmp_path / "p") as project:
        photo_id = import_one(project, photo, reference=True)
        edits.apply_edit(project, [photo_id], edits.EditRequest(caption="first words"))
        sidecar = Path(write_back(project, sidecar=True).written[0]["path"])
        edits.apply_edit(project, [photo_id], edits.EditRequest(caption="second words"))
        summary = write_back(project)
        assert summary.failed == [] and summary.written[0]["target"] == "file"
        assert read_metadata(sidecar).caption == "second words"
        assert write_back(project).skipped == [photo_id]
    with new_project(tmp_path / "fresh") as fresh:
        fresh_id = import_one(fresh, photo, reference=True)
        assert photos.get_photo(fresh.conn, fresh_id)["caption"] == "second words"


def test_a_raws_lightroom_sidecar_is_not_the_jpegs(tmp_path: Path, exiftool: str) -> None:
    folder = tmp_path / "card"
    jpeg_file = make_jpeg(folder / "DSC_0001.jpg")
    (folder / "DSC_0001.NEF").write_bytes(b"raw stand-in")
    lightroom = folder / "DSC_0001.xmp"
    subprocess.run(
        [exiftool, "-q", "-o", str(lightroom), "-XMP-dc:Description=the raw's caption"],
        check=True,
    )
    assert sidecar_candidates(jpeg_file) == []
    assert read_metadata(jpeg_file).caption is None
    assert apply_sidecar(read_metadata(jpeg_file), jpeg_file).caption is None
    before = lightroom.read_bytes()
    with pytest.raises(wfiles.WriteFailure, match=r"sidecar of the raw file DSC_0001\.NEF"):
        wfiles.write_sidecar(jpeg_file, sample_fields(), "name.xmp")
    assert lightroom.read_bytes() == before


def test_a_file_written_after_its_sidecar_wins_on_import(tmp_path: Path, exiftool: str) -> None:
    photo = make_jpeg(tmp_path / "a.jpg")
    sidecar = tmp_path / "a.jpg.xmp"
    subprocess.run(
        [
            exiftool,
            "-q",
            "-o",
            str(sidecar),
            "-XMP-dc:Description=older words",
            "-XMP-xmp:MetadataDate=2020:01:01 10:00:00+00:00",
        ],
        check=True,
    )
    assert apply_sidecar(read_metadata(photo), photo).caption == "older words"
    wfiles.write_into_file(photo, sample_fields(), "jpeg")  # stamps a current MetadataDate
    assert apply_sidecar(read_metadata(photo), photo).caption == CAPTION
    # A sidecar newer than the file still speaks for it.
    subprocess.run(
        [
            exiftool,
            "-q",
            "-overwrite_original",
            "-XMP-dc:Description=newest words",
            "-XMP-xmp:MetadataDate=2999:01:01 10:00:00+00:00",
            str(sidecar),
        ],
        check=True,
    )
    assert apply_sidecar(read_metadata(photo), photo).caption == "newest words"


# --- 9. another naming is another target ---------------------------------------------------------


def test_switching_the_sidecar_naming_writes_the_other_sidecar(
    project: Project, tmp_path: Path
) -> None:
    photo = make_jpeg(tmp_path / "card" / "a.jpg")
    photo_id = import_one(project, photo, reference=True)
    edits.apply_edit(project, [photo_id], edits.EditRequest(caption="named twice"))
    assert len(write_back(project, sidecar=True).written) == 1
    switched = write_back(project, sidecar=True, sidecar_naming="name.xmp")
    assert [Path(w["path"]) for w in switched.written] == [photo.parent / "a.xmp"]
    assert read_metadata(photo.parent / "a.xmp").caption == "named twice"
    assert write_back(project, sidecar=True, sidecar_naming="name.xmp").skipped == [photo_id]


# --- 11. what the image-data check covers --------------------------------------------------------


def _replace_segment_byte(data: bytes, marker: int) -> bytes:
    """``data`` with the last payload byte of the first ``marker`` segment changed."""
    pos = 2
    while True:
        code = data[pos + 1]
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if code == marker:
            end = pos + 2 + length - 1
            return data[:end] + bytes([data[end] ^ 0x01]) + data[end + 1 :]
        pos += 2 + length


def test_the_jpeg_check_covers_tables_and_frame_header_not_only_the_scan(
    tmp_path: Path,
) -> None:
    data = make_jpeg(tmp_path / "a.jpg").read_bytes()
    reference = wfiles.image_data_hash(data, "jpeg")
    for marker in (0xDB, 0xC4, 0xC0):  # DQT, DHT, SOF0
        assert wfiles.image_data_hash(_replace_segment_byte(data, marker), "jpeg") != reference


def test_the_tiff_check_covers_every_page() -> None:
    pages = [Image.new("RGB", (32, 24), (i * 60, 10, 10)) for i in range(3)]
    buffer = io.BytesIO()
    pages[0].save(buffer, "TIFF", save_all=True, append_images=pages[1:])
    data = buffer.getvalue()
    changed = [*pages[:2], Image.new("RGB", (32, 24), (1, 2, 3))]
    other = io.BytesIO()
    changed[0].save(other, "TIFF", save_all=True, append_images=changed[1:])
    assert len(other.getvalue()) == len(data)
    assert wfiles.image_data_hash(other.getvalue(), "tiff") != wfiles.image_data_hash(data, "tiff")


# --- 12. a value shared by two IFDs --------------------------------------------------------------


def _tiff_with_shared_value() -> bytes:
    """Little-endian TIFF: IFD0 ImageDescription and IFD1 Artist point at the same 16 bytes."""
    text = b"shared value 123"  # 16 bytes, out of line
    ifd0_at, ifd1_at, value_at = 8, 8 + 2 + 12 + 4, 8 + 2 * (2 + 12 + 4)
    header = b"II*\x00" + ifd0_at.to_bytes(4, "little")
    ifd0 = (1).to_bytes(2, "little") + bytes.fromhex("0e01") + (2).to_bytes(2, "little")
    ifd0 += len(text).to_bytes(4, "little") + value_at.to_bytes(4, "little")
    ifd0 += ifd1_at.to_bytes(4, "little")
    ifd1 = (1).to_bytes(2, "little") + bytes.fromhex("3b01") + (2).to_bytes(2, "little")
    ifd1 += len(text).to_bytes(4, "little") + value_at.to_bytes(4, "little")
    ifd1 += (0).to_bytes(4, "little")
    return header + ifd0 + ifd1 + text


def test_a_value_another_ifd_points_to_is_not_overwritten_in_place() -> None:
    block = _tiff_with_shared_value()
    patched = tiffpatch.patch_ifd0(block, {0x010E: tiffpatch.ascii_value("a new caption")})
    assert patched[: len(block)][-16:] == b"shared value 123"
    assert tiffpatch.ifd0_entries(patched)[0x010E].rstrip(b"\x00") == b"a new caption"
    assert len(patched) > len(block)


# --- 13. a crash between the rename and the catalog record ---------------------------------------

_CRASH_AFTER_RENAME = """
import os, sys
sys.path.insert(0, sys.argv[2])
from pathlib import Path
from gallery_app.core.project import open_project
from gallery_app.core.writeback import write_back
real_replace = os.replace
def replace_then_die(src, dst):
    real_replace(src, dst)
    os._exit(9)
os.replace = replace_then_die
with open_project(Path(sys.argv[1]), write=True) as project:
    write_back(project)
"""


def test_a_crash_right_after_the_rename_leaves_the_new_file_known(tmp_path: Path) -> None:
    photo = make_jpeg(tmp_path / "card" / "a.jpg")
    with new_project(tmp_path / "p") as project:
        photo_id = import_one(project, photo, reference=True)
        edits.apply_edit(project, [photo_id], edits.EditRequest(caption="about to crash"))
    crashed = subprocess.run(
        [sys.executable, "-c", _CRASH_AFTER_RENAME, str(tmp_path / "p"), str(REPO)],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
        timeout=120,
    )
    assert crashed.returncode == 9
    assert read_metadata(photo).caption == "about to crash"  # the rename happened
    with open_project(tmp_path / "p") as project:
        assert photo_content_hash(photo) in photos.known_hashes(project.conn)
        assert write_state(project.conn, photo_id) is WriteState.CHANGED  # not confirmed
    with open_project(tmp_path / "p", write=True) as project:
        summary = import_sources_dupes(project, photo.parent)
        assert summary == (0, 1)  # the rewritten file is still a duplicate
        assert len(write_back(project).written) == 1
        assert write_state(project.conn, photo_id) is WriteState.UP_TO_DATE
        pending = project.conn.execute(
            "SELECT count(*) FROM photo_writes WHERE fields_hash = 'pending'"
        ).fetchone()[0]
        assert pending == 1  # the unconfirmed record stays as history of that file's hash


def photo_content_hash(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def import_sources_dupes(project: Project, folder: Path) -> tuple[int, int]:
    from gallery_app.core.importing.importer import import_sources

    summary = import_sources(project, [folder], reference=True, workers=1)
    return len(summary.imported), summary.duplicates


def test_a_completed_write_leaves_one_confirmed_record(tmp_path: Path) -> None:
    photo = make_jpeg(tmp_path / "card" / "a.jpg")
    with new_project(tmp_path / "p") as project:
        photo_id = import_one(project, photo, reference=True)
        edits.apply_edit(project, [photo_id], edits.EditRequest(caption="fine"))
        assert len(write_back(project).written) == 1
        rows = project.conn.execute("SELECT fields_hash, content_hash FROM photo_writes")
        ((fields_hash, content_hash),) = rows.fetchall()
        assert fields_hash != "pending" and content_hash == photo_content_hash(photo)


def test_verification_reads_back_event_release_exif_and_iim(tmp_path: Path) -> None:
    photo = make_jpeg(tmp_path / "a.jpg")
    written = sample_fields()
    wfiles.write_into_file(photo, written, "jpeg")
    assert wfiles.raw_mismatches(photo, written, in_file=True, fmt="jpeg") == []
    other = sample_fields(
        event="Another event",
        model_release_status="http://ns.useplus.org/ldf/vocab/MR-NON",
        creator="Someone Else",
    )
    assert wfiles.raw_mismatches(photo, other, in_file=True, fmt="jpeg") == [
        "event",
        "model release status",
        "EXIF artist",
        "IPTC-IIM",
    ]


def test_windows_face_regions_of_removed_people_go_too() -> None:
    packet = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF'
        b' xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description rdf:about="" xmlns:MP="http://ns.microsoft.com/photo/1.2/"'
        b' xmlns:MPRI="http://ns.microsoft.com/photo/1.2/t/RegionInfo#"'
        b' xmlns:MPReg="http://ns.microsoft.com/photo/1.2/t/Region#">'
        b'<MP:RegionInfo rdf:parseType="Resource"><MPRI:Regions><rdf:Bag>'
        b'<rdf:li rdf:parseType="Resource"><MPReg:PersonDisplayName>Bo</MPReg:PersonDisplayName>'
        b"<MPReg:Rectangle>0.1, 0.1, 0.2, 0.2</MPReg:Rectangle></rdf:li>"
        b'<rdf:li rdf:parseType="Resource"><MPReg:PersonDisplayName>Ann</MPReg:PersonDisplayName>'
        b"<MPReg:Rectangle>0.5, 0.1, 0.2, 0.2</MPReg:Rectangle></rdf:li>"
        b"</rdf:Bag></MPRI:Regions></MP:RegionInfo></rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    fields = sample_fields(people=("Ann",))
    props = XmpProperties(fields.embedded(), 3, None, fields.keywords, people=("Ann",))
    merged = merge_xmp(packet, props, max_bytes=None)
    assert b">Ann<" in merged and b">Bo<" not in merged
    assert b"0.5, 0.1, 0.2, 0.2" in merged and b"0.1, 0.1, 0.2, 0.2" not in merged
    nobody = XmpProperties(fields.embedded(), 3, None, fields.keywords, people=())
    assert b"RegionInfo" not in merge_xmp(packet, nobody, max_bytes=None)


def test_a_utf16_packet_with_an_entity_declaration_is_refused() -> None:
    doc = (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x:xmpmeta [<!ENTITY a "AAAA">]>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF'
        ' xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description'
        ' rdf:about="" xmlns:acme="http://e/"><acme:x>&a;</acme:x></rdf:Description>'
        "</rdf:RDF></x:xmpmeta>"
    )
    fields = sample_fields()
    props = XmpProperties(fields.embedded(), 3, None, fields.keywords, people=fields.people)
    with pytest.raises(XmpMergeError, match="DOCTYPE"):
        merge_xmp(doc.encode("utf-16"), props, max_bytes=None)


def test_a_file_changed_while_the_pending_record_is_made_is_not_replaced(
    tmp_path: Path,
) -> None:
    photo = make_jpeg(tmp_path / "a.jpg")
    seen: list[wfiles.WrittenFile] = []

    def another_program_saves(written: wfiles.WrittenFile) -> None:
        seen.append(written)
        photo.write_bytes(photo.read_bytes() + b"\x00")  # someone else saved meanwhile

    changed = photo.read_bytes() + b"\x00"
    with pytest.raises(wfiles.WriteFailure, match="changed on disk"):
        wfiles.write_into_file(photo, sample_fields(), "jpeg", another_program_saves)
    assert photo.read_bytes() == changed
    assert len(seen) == 1 and seen[0].path == photo
    assert sorted(p.name for p in photo.parent.iterdir()) == ["a.jpg"]
