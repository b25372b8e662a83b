"""Metadata of exported files: built by allow-list, readable by everyone, leaking nothing.

exiftool is the oracle for what a file says (never our own reader). The privacy tests render
camera-like sources full of GPS, serials, maker notes, thumbnails, people and IIM staff fields
(built in ``test_renditions.py``) and check every output's complete tag list against the
allow-list, and its raw bytes against the planted secrets.
"""

from __future__ import annotations

import hashlib
import io
import struct
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from gallery_app.core.export.embed import (
    IIM_LIMITS,
    build_exif,
    build_iptc_app13,
    build_xmp,
    dc_subjects,
    insert_app13,
    truncate_utf8,
)
from gallery_app.core.export.model import EmbeddedMetadata, RenditionSpec
from gallery_app.core.export.renditions import render_photo
from tests.core.test_renditions import (
    SECRETS,
    exiftool_run,
    exiftool_tags,
    make_camera_jpeg,
    make_heic,
    make_png_alpha,
)
from tests.helpers import WEB_METADATA_ALLOWED

CAPTION = (
    "Zoë Müller — “quotes” & 'apostrophes' opens the summit. "
    "<script>alert(1)</script> مرحبا بالعالم"
)
WEB = EmbeddedMetadata(
    title="Opening keynote — مرحبا",
    headline="Zoë Müller opens the Open Data Summit",
    caption=CAPTION,
    alt_text="A woman speaks at a lectern; the slide shows <b>bold</b> & a bar chart.",
    ext_description="The slide shows downloads rising from 2019 to 2025.",
    creator="Zoë Müller",
    credit="Zoë Müller / Example Org",
    copyright="© 2026 Example Org — all rights reserved",
    usage_terms="CC BY 4.0 — https://creativecommons.org/licenses/by/4.0/",
    keywords=("conference", "keynote", "Events|Open Data Summit", "Öffentlichkeit"),
    event="Open Data Summit 2026",
)
ARCHIVE = EmbeddedMetadata(
    **{
        **WEB.__dict__,
        "people": ("Ana Müller", "Bo Li"),
        "model_release_status": "http://ns.useplus.org/ldf/vocab/MR-UMR",
        "camera_make": "Canon",
        "camera_model": "Canon EOS R6",
        "lens": "RF24-70mm F2.8 L IS USM",
        "captured_at": "2026-05-14T10:00:00+02:00",
    }
)

ALLOWED = WEB_METADATA_ALLOWED
ARCHIVE_EXTRA = frozenset(
    {
        "IFD0:Make",
        "IFD0:Model",
        "ExifIFD:DateTimeOriginal",
        "XMP-iptcExt:PersonInImage",
        "XMP-plus:ModelReleaseStatus",
        "XMP-exif:DateTimeOriginal",
        "XMP-tiff:Make",
        "XMP-tiff:Model",
        "XMP-aux:Lens",
    }
)
# Container structure, not metadata: image size, codec parameters, the colour profile.
STRUCTURE_GROUPS = ("System", "File", "ExifTool", "Composite", "JFIF", "ICC")
STRUCTURE_TAGS = frozenset(
    {
        "SourceFile",
        "XMP-x:XMPToolkit",
        "RIFF:WebP_Flags",
        "RIFF:ImageWidth",
        "RIFF:ImageHeight",
        "RIFF:VP8Version",
        "RIFF:HorizontalScale",
        "RIFF:VerticalScale",
        "QuickTime:MajorBrand",
        "QuickTime:MinorVersion",
        "QuickTime:CompatibleBrands",
        "QuickTime:HandlerType",
        "QuickTime:ImageSpatialExtent",
        "QuickTime:ImagePixelDepth",
        "QuickTime:AV1ConfigurationVersion",
        "QuickTime:ChromaFormat",
        "QuickTime:ChromaSamplePosition",
        "QuickTime:ColorProfiles",
        "QuickTime:ColorPrimaries",
        "QuickTime:TransferCharacteristics",
        "QuickTime:MatrixCoefficients",
        "QuickTime:MediaDataSize",
        "QuickTime:MediaDataOffset",
        "Meta:PrimaryItemReference",
    }
)
FORBIDDEN = (
    "GPS",
    "Serial",
    "MakerNote",
    "Thumbnail",
    "IFD1:",
    "Orientation",
    "PersonInImage",
    "Region",
    "mwg-rs",
    "City",
    "Writer-Editor",
    "DateTimeOriginal",
    "Software",
    "OwnerName",
    "xmpMM",
)


def metadata_keys(tags: dict[str, Any]) -> set[str]:
    return {
        key
        for key in tags
        if key not in STRUCTURE_TAGS and not key.split(":")[0].startswith(STRUCTURE_GROUPS)
    }


def as_list(value: Any) -> list[Any]:
    """exiftool -j gives a one-element list as a plain value."""
    return value if isinstance(value, list) else [value]


# --- end to end: renders checked by exiftool -------------------------------------------------


@pytest.fixture(scope="module")
def privacy_sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, int]]:
    folder = tmp_path_factory.mktemp("privacy")
    return {
        "o6": (make_camera_jpeg(folder / "cam_o6.jpg", (6000, 4000), 6, seed=5), 6),
        "o3": (make_camera_jpeg(folder / "cam_o3.jpg", (4000, 3000), 3, seed=6), 3),
        "png": (make_png_alpha(folder / "logo.png"), 1),
        "heic": (make_heic(folder / "phone.heic"), 1),
    }


def _render_all(
    sources: dict[str, tuple[Path, int]], out: Path, metadata: EmbeddedMetadata
) -> list[Path]:
    spec = RenditionSpec(widths=(960, 240), formats=("jpeg", "webp", "avif"), crop_square=128)
    paths: list[Path] = []
    for name, (source, orientation) in sources.items():
        for item in render_photo(source, orientation, out, name, spec, metadata):
            paths.append(out / item.path)
    return paths


@pytest.fixture(scope="module")
def web_outputs(
    privacy_sources: dict[str, tuple[Path, int]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[Path], dict[str, dict[str, Any]]]:
    out = tmp_path_factory.mktemp("web")
    paths = _render_all(privacy_sources, out, WEB)
    return paths, exiftool_tags(*paths)


def test_every_web_output_carries_only_allow_listed_tags(
    web_outputs: tuple[list[Path], dict[str, dict[str, Any]]],
) -> None:
    paths, tags = web_outputs
    assert len(paths) == 2 * (2 * 3 + 1) + 2 * (3 + 1)  # PNG and HEIC are narrower than 960
    for path in paths:
        found = tags[path.name]
        extra = metadata_keys(found) - ALLOWED
        assert not extra, (path.name, sorted(extra))
        leaks = [k for k in found if any(word in k for word in FORBIDDEN)]
        assert not leaks, (path.name, leaks)
        assert not any(k.endswith((":Make", ":Model")) for k in found), path.name
        raw = path.read_bytes()
        assert not [s for s in SECRETS if s in raw], path.name
        assert "ExifTool:Warning" not in found, (path.name, found.get("ExifTool:Warning"))
        assert "sRGB" in found["ICC_Profile:ProfileDescription"]


def test_web_values_are_exact_in_every_format(
    web_outputs: tuple[list[Path], dict[str, dict[str, Any]]],
) -> None:
    paths, tags = web_outputs
    subjects = ["conference", "keynote", "Open Data Summit", "Öffentlichkeit"]
    for path in paths:
        found = tags[path.name]
        expected = {
            "IFD0:ImageDescription": CAPTION,
            "IFD0:Artist": WEB.creator,
            "IFD0:Copyright": WEB.copyright,
            "XMP-dc:Title": WEB.title,
            "XMP-dc:Description": CAPTION,
            "XMP-dc:Creator": WEB.creator,
            "XMP-dc:Rights": WEB.copyright,
            "XMP-photoshop:Headline": WEB.headline,
            "XMP-photoshop:Credit": WEB.credit,
            "XMP-iptcCore:AltTextAccessibility": WEB.alt_text,
            "XMP-iptcCore:ExtDescrAccessibility": WEB.ext_description,
            "XMP-xmpRights:UsageTerms": WEB.usage_terms,
            "XMP-iptcExt:Event": WEB.event,
            "XMP-lr:HierarchicalSubject": "Events|Open Data Summit",
        }
        for key, value in expected.items():
            assert found.get(key) == value, (path.name, key, found.get(key))
        assert found["XMP-xmpRights:Marked"] in (True, "True", 1)
        assert as_list(found["XMP-dc:Subject"]) == subjects
        if path.suffix == ".jpg":
            iptc: dict[str, object] = {
                "IPTC:ObjectName": WEB.title,
                "IPTC:Headline": WEB.headline,
                "IPTC:Caption-Abstract": CAPTION,
                "IPTC:By-line": WEB.creator,
                "IPTC:Credit": WEB.credit,
                "IPTC:CopyrightNotice": WEB.copyright,
                "IPTC:ApplicationRecordVersion": 4,
            }
            for key, wanted in iptc.items():
                assert found.get(key) == wanted, (path.name, key, found.get(key))
            assert as_list(found["IPTC:Keywords"]) == subjects
            assert found["Photoshop:IPTCDigest"] == found["File:CurrentIPTCDigest"]
        else:
            assert not [k for k in found if k.startswith(("IPTC:", "Photoshop:"))], path.name


def test_iptc_digest_is_current_for_exiftool(
    web_outputs: tuple[list[Path], dict[str, dict[str, Any]]],
) -> None:
    paths, _ = web_outputs
    jpeg = next(p for p in paths if p.suffix == ".jpg")
    out = exiftool_run("-s3", "-IPTCDigest", "-CurrentIPTCDigest", str(jpeg)).split()
    assert len(out) == 2 and out[0] == out[1]


def test_mwg_readers_see_our_caption_and_creator(
    web_outputs: tuple[list[Path], dict[str, dict[str, Any]]],
) -> None:
    """exiftool's MWG composite (the read order DAMs follow) resolves to our values."""
    paths, _ = web_outputs
    jpeg = next(p for p in paths if p.suffix == ".jpg")
    found = exiftool_tags(
        jpeg, extra=("-use", "MWG", "-MWG:Description", "-MWG:Creator", "-MWG:Keywords")
    )[jpeg.name]
    assert found["MWG:Description"] == CAPTION
    assert as_list(found["MWG:Creator"]) == [WEB.creator]
    assert as_list(found["MWG:Keywords"]) == dc_subjects(WEB.keywords)


def test_archive_keeps_people_and_camera_data(
    privacy_sources: dict[str, tuple[Path, int]], tmp_path: Path
) -> None:
    sources = {"o3": privacy_sources["o3"]}
    spec = RenditionSpec(widths=(240,), formats=("jpeg", "webp", "avif"), full_resolution=False)
    paths = [
        tmp_path / f.path for f in render_photo(sources["o3"][0], 3, tmp_path, "a", spec, ARCHIVE)
    ]
    tags = exiftool_tags(*paths)
    for path in paths:
        found = tags[path.name]
        assert not metadata_keys(found) - ALLOWED - ARCHIVE_EXTRA, path.name
        assert as_list(found["XMP-iptcExt:PersonInImage"]) == ["Ana Müller", "Bo Li"]
        assert found["XMP-plus:ModelReleaseStatus"] == "MR-UMR"
        assert found["XMP-tiff:Make"] == "Canon"
        assert found["XMP-tiff:Model"] == "Canon EOS R6"
        assert found["XMP-aux:Lens"] == "RF24-70mm F2.8 L IS USM"
        assert found["XMP-exif:DateTimeOriginal"] == "2026:05:14 10:00:00+02:00"
        assert found["IFD0:Make"] == "Canon"
        assert found["IFD0:Model"] == "Canon EOS R6"
        assert found["ExifIFD:DateTimeOriginal"] == "2026:05:14 10:00:00"
        # Even the archive carries nothing from the source file itself.
        assert "GPS:GPSLatitude" not in found and "IFD0:Orientation" not in found
        assert not [s for s in SECRETS if s in path.read_bytes()]


def test_exif_utf8_survives_and_has_no_orientation(tmp_path: Path) -> None:
    image = Image.new("RGB", (32, 24), (1, 2, 3))
    exif = build_exif(WEB)
    assert exif.startswith(b"Exif\0\0")
    for fmt, ext in (("JPEG", "jpg"), ("WEBP", "webp"), ("AVIF", "avif")):
        image.save(tmp_path / f"e.{ext}", fmt, exif=exif)
    tags = exiftool_tags(*sorted(tmp_path.iterdir()))
    for found in tags.values():
        assert found["IFD0:ImageDescription"] == CAPTION
        assert found["IFD0:Artist"] == "Zoë Müller"
        assert metadata_keys(found) == {
            "IFD0:ImageDescription",
            "IFD0:Artist",
            "IFD0:Copyright",
        }


def test_empty_metadata_writes_nothing(tmp_path: Path) -> None:
    blank = EmbeddedMetadata(caption="   ", keywords=("", " "), people=())
    assert build_xmp(blank) == b""
    assert build_exif(blank) == b""
    assert build_iptc_app13(blank) == b""
    source = make_png_alpha(tmp_path / "s.png", (64, 48))
    spec = RenditionSpec(widths=(32,), formats=("jpeg", "webp", "avif"))
    paths = [tmp_path / f.path for f in render_photo(source, 1, tmp_path, "b", spec, blank)]
    for found in exiftool_tags(*paths).values():
        assert metadata_keys(found) == set()


def test_iim_fields_are_cut_at_their_byte_limit_on_a_character_boundary(tmp_path: Path) -> None:
    long_caption = "a" * 1999 + "ü and more"  # the ü would straddle byte 2000
    long_keyword = "ö" * 40  # 80 bytes; limit 64
    md = EmbeddedMetadata(caption=long_caption, keywords=(long_keyword,), credit="é" * 20)
    jpeg = io.BytesIO()
    Image.new("RGB", (16, 16)).save(jpeg, "JPEG", xmp=build_xmp(md))
    path = tmp_path / "t.jpg"
    path.write_bytes(insert_app13(jpeg.getvalue(), build_iptc_app13(md)))
    found = exiftool_tags(path)[path.name]
    assert found["IPTC:Caption-Abstract"] == "a" * 1999
    assert found["IPTC:Keywords"] == "ö" * 32
    assert found["IPTC:Credit"] == "é" * 16
    assert found["XMP-dc:Description"] == long_caption  # XMP keeps the whole text
    assert found["Photoshop:IPTCDigest"] == found["File:CurrentIPTCDigest"]
    assert "ExifTool:Warning" not in found


# --- XMP ---------------------------------------------------------------------------------------

_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "rdf": _RDF[1:-1],
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "Iptc4xmpCore": "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
    "lr": "http://ns.adobe.com/lightroom/1.0/",
}


def _xmp_root(packet: bytes) -> ET.Element:
    assert packet.startswith(b"<?xpacket begin=") and packet.endswith(b'<?xpacket end="w"?>')
    return ET.fromstring(packet)


def test_xmp_packet_is_well_formed_and_complete() -> None:
    root = _xmp_root(build_xmp(ARCHIVE))
    description = root.find("rdf:RDF/rdf:Description", _NS)
    assert description is not None
    title = description.find("dc:title/rdf:Alt/rdf:li", _NS)
    assert title is not None and title.text == ARCHIVE.title
    assert title.get("{http://www.w3.org/XML/1998/namespace}lang") == "x-default"
    subjects = [li.text for li in description.findall("dc:subject/rdf:Bag/rdf:li", _NS)]
    assert subjects == ["conference", "keynote", "Open Data Summit", "Öffentlichkeit"]
    hierarchy = description.findall("lr:hierarchicalSubject/rdf:Bag/rdf:li", _NS)
    assert [li.text for li in hierarchy] == ["Events|Open Data Summit"]
    creators = description.findall("dc:creator/rdf:Seq/rdf:li", _NS)
    assert [li.text for li in creators] == ["Zoë Müller"]


def test_xmp_omits_what_is_not_given() -> None:
    packet = build_xmp(EmbeddedMetadata(caption="only this"))
    text = packet.decode()
    assert "dc:description" in text
    for absent in ("dc:title", "xmpRights", "PersonInImage", "tiff:", "exif:", "plus:", "lr:"):
        assert absent not in text
    assert b"Marked" not in build_xmp(EmbeddedMetadata(credit="x"))


_TEXT = st.text(st.characters(codec="utf-8"), min_size=1, max_size=80)


@given(text=_TEXT)
@settings(max_examples=150, deadline=None)
def test_any_caption_round_trips_through_an_xml_parser(text: str) -> None:
    md = EmbeddedMetadata(caption=text, title=text, keywords=(text,))
    packet = build_xmp(md)
    allowed = "".join(
        c
        for c in text
        if c in "\t\n\r" or not (c < " " or "\ud800" <= c <= "\udfff" or c in "\ufffe\uffff")
    )
    if not allowed.strip():
        assert packet == b""
        return
    root = _xmp_root(packet)
    li = root.find("rdf:RDF/rdf:Description/dc:description/rdf:Alt/rdf:li", _NS)
    assert li is not None and li.text == allowed


# --- IIM ----------------------------------------------------------------------------------------


@given(text=st.text(max_size=60), limit=st.integers(min_value=0, max_value=80))
def test_truncate_utf8_cuts_on_a_character_boundary(text: str, limit: int) -> None:
    text = text.encode("utf-8", "replace").decode("utf-8", "replace")  # no lone surrogates
    cut = truncate_utf8(text, limit)
    assert len(cut) <= limit
    decoded = cut.decode("utf-8")  # never half a character
    assert text.startswith(decoded)
    if decoded != text:  # maximal: the next character would not have fitted
        assert len(cut) + len(text[len(decoded)].encode("utf-8")) > limit


def _iim_datasets(iim: bytes) -> list[tuple[int, int, bytes]]:
    out: list[tuple[int, int, bytes]] = []
    pos = 0
    while pos < len(iim):
        tag, record, number, length = struct.unpack(">BBBH", iim[pos : pos + 5])
        assert tag == 0x1C
        out.append((record, number, iim[pos + 5 : pos + 5 + length]))
        pos += 5 + length
    assert pos == len(iim)
    return out


def _irbs(payload: bytes) -> list[tuple[int, bytes]]:
    assert payload.startswith(b"Photoshop 3.0\0")
    pos, blocks = 14, []
    while pos < len(payload):
        assert payload[pos : pos + 4] == b"8BIM"
        res_id, name, size = struct.unpack(">HHI", payload[pos + 4 : pos + 12])
        assert name == 0  # empty Pascal name, padded
        blocks.append((res_id, payload[pos + 12 : pos + 12 + size]))
        pos += 12 + size + (size & 1)
    assert pos == len(payload)
    return blocks


def test_app13_layout_and_digest() -> None:
    payload = build_iptc_app13(WEB)
    blocks = _irbs(payload)
    assert [b[0] for b in blocks] == [0x0404, 0x0425]
    iim, digest = blocks[0][1], blocks[1][1]
    assert digest == hashlib.md5(iim).digest()
    datasets = _iim_datasets(iim)
    assert datasets[:2] == [(1, 90, b"\x1b%G"), (2, 0, b"\x00\x04")]
    numbers = [n for r, n, _ in datasets if r == 2 and n]
    assert numbers == [5, 25, 25, 25, 25, 80, 105, 110, 116, 120]
    for record, number, data in datasets:
        if record == 2 and number in IIM_LIMITS:
            assert len(data) <= IIM_LIMITS[number]
            data.decode("utf-8")


def test_app13_keeps_within_one_segment_with_thousands_of_keywords() -> None:
    md = EmbeddedMetadata(
        caption="c", keywords=tuple(f"keyword number {i:05d}" for i in range(5000))
    )
    payload = build_iptc_app13(md)
    assert len(payload) <= 65533
    blocks = _irbs(payload)
    assert blocks[1][1] == hashlib.md5(blocks[0][1]).digest()


def test_dc_subjects_flattens_hierarchies() -> None:
    assert dc_subjects(["a", "X|Y|a", "X|Z", " | b |", "|", "c "]) == ["a", "Z", "b", "c"]


# --- insert_app13 ------------------------------------------------------------------------------


def _segments(jpeg: bytes) -> list[int]:
    """Marker codes from SOI to SOS (a test-side walker, deliberately simple)."""
    codes, pos = [], 2
    while True:
        code = jpeg[pos + 1]
        codes.append(code)
        if code == 0xDA:
            return codes
        pos += 2 + int.from_bytes(jpeg[pos + 2 : pos + 4], "big")


def _scan(jpeg: bytes) -> bytes:
    pos = 2
    while jpeg[pos + 1] != 0xDA:
        pos += 2 + int.from_bytes(jpeg[pos + 2 : pos + 4], "big")
    return jpeg[pos:]


@pytest.fixture(scope="module")
def pillow_jpeg() -> bytes:
    out = io.BytesIO()
    image = Image.effect_noise((96, 64), 40).convert("RGB")
    image.save(out, "JPEG", exif=build_exif(WEB), xmp=build_xmp(WEB), icc_profile=b"\0" * 200)
    return out.getvalue()


def test_app13_goes_after_app0_app1_and_the_scan_is_untouched(pillow_jpeg: bytes) -> None:
    result = insert_app13(pillow_jpeg, build_iptc_app13(WEB))
    codes = _segments(result)
    assert codes[:4] == [0xE0, 0xE1, 0xE1, 0xED]
    assert codes.count(0xED) == 1
    assert _segments(pillow_jpeg) == [c for c in codes if c != 0xED]
    assert _scan(result) == _scan(pillow_jpeg)
    with Image.open(io.BytesIO(result)) as a, Image.open(io.BytesIO(pillow_jpeg)) as b:
        assert a.tobytes() == b.tobytes()


def test_a_second_insert_replaces_the_first(pillow_jpeg: bytes) -> None:
    once = insert_app13(pillow_jpeg, build_iptc_app13(WEB))
    twice = insert_app13(once, build_iptc_app13(EmbeddedMetadata(caption="new")))
    assert _segments(twice).count(0xED) == 1
    assert b"new" in twice and CAPTION.encode() not in twice.split(b"Photoshop 3.0")[1]


def test_insert_app13_edge_cases(pillow_jpeg: bytes) -> None:
    assert insert_app13(pillow_jpeg, b"") == pillow_jpeg
    with pytest.raises(ValueError, match="segment"):
        insert_app13(pillow_jpeg, b"x" * 70000)
    with pytest.raises(ValueError, match="SOI"):
        insert_app13(b"\x89PNG\r\n", b"payload")
    with pytest.raises(ValueError):
        insert_app13(b"\xff\xd8\xff\xd9", b"payload")  # EOI before any scan
    bad_length = pillow_jpeg[:4] + b"\xff\xff" + pillow_jpeg[6:]
    with pytest.raises(ValueError, match="length"):
        insert_app13(bad_length, b"payload")


@given(cut=st.integers(min_value=0, max_value=400), flip=st.integers(min_value=0, max_value=399))
@settings(max_examples=200, deadline=None)
def test_insert_app13_on_damaged_headers_raises_value_error_or_succeeds(
    pillow_jpeg: bytes, cut: int, flip: int
) -> None:
    damaged = bytearray(pillow_jpeg[: len(pillow_jpeg) - cut])
    if flip < len(damaged):
        damaged[flip] ^= 0x5A
    try:
        result = insert_app13(bytes(damaged), b"Photoshop 3.0\0")
    except ValueError:
        return
    assert result.startswith(b"\xff\xd8") and b"Photoshop 3.0\0" in result
