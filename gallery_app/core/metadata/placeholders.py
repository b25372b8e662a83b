"""Descriptions that cameras and phones write on their own, which are not captions.

Many cameras fill EXIF ImageDescription with a fixed string ("OLYMPUS DIGITAL CAMERA", "SONY
DSC") and DAMs copy it into XMP dc:description and IIM 2:120 on import. MWG readers (exiftool
``-use MWG``, WordPress) take it as the caption because EXIF comes first, which would put
"OLYMPUS DIGITAL CAMERA" under a gallery photo. We drop these wherever they appear (caption,
title, headline) so that a real caption in another block can win.

This is the one list of such strings; keep it here. Sources, so that it is not guesswork:

* digiKam ``MetaEngine::getExifComment`` black list: "SONY DSC", "OLYMPUS DIGITAL CAMERA",
  "MINOLTA DIGITAL CAMERA".
* PhotoPrism ``internal/meta/sanitize.go`` ``UnwantedDescriptions``: the Olympus, Samsung and
  Sony strings, "<Digimax i5, Samsung #1>", "Exif_JPEG_PICTURE", "default", "binary comment",
  "charset=Ascii", "Created by Imlib", "iClarified", "DVC 10.1 HDMI", "Scanner" (Kodak Slide N
  Scan), the Huawei camera-mode codes ("rhdr", "hdrpl", "btf", ...), and ``DCIM\\…`` paths.
* KPhotoAlbum's default ``commentsToStrip``: "JENOPTIK DIGITAL CAMERA".
* Our camera corpus: "KONICA MINOLTA DIGITAL CAMERA" (DiMAGE Z3), "WWL" (Polaroid ION230; equal
  to the Make), "<Digimax i50 MP3, Samsung #1 MP3>" (equal to the Model).

Besides the list: blank or punctuation-only text, text equal to the camera make, the model or
"make model", and upper-case "<BRAND> DIGITAL [STILL] CAMERA" phrases of up to four words.
"""

from __future__ import annotations

import re

# Compared after collapsing whitespace and case-folding. Cameras write these in one fixed
# spelling, but DAMs and scripts have been seen to re-case them ("Sony DSC").
_PLACEHOLDERS: frozenset[str] = frozenset(
    s.casefold()
    for s in (
        # Cameras (digiKam, PhotoPrism, KPhotoAlbum, our corpus)
        "OLYMPUS DIGITAL CAMERA",
        "SONY DSC",
        "MINOLTA DIGITAL CAMERA",
        "KONICA MINOLTA DIGITAL CAMERA",
        "MINOLTA DSC",
        "SAMSUNG",
        "SAMSUNG DIGITAL CAMERA",
        "SAMSUNG CAMERA PICTURES",
        "<Digimax i5, Samsung #1>",
        "LEICA DIGITAL CAMERA",
        "PENTAX DIGITAL CAMERA",
        "NIKON DIGITAL CAMERA",
        "JENOPTIK DIGITAL CAMERA",
        "KODAK DIGITAL STILL CAMERA",
        "LG DIGITAL CAMERA",
        "DIGITAL CAMERA",
        "Exif_JPEG_PICTURE",
        "DVC 10.1 HDMI",
        "Scanner",
        # Generic fillers from apps and forms (PhotoPrism, WordPress plug-ins)
        "DCIM",
        "default",
        "Image",
        "Picture",
        "Photo",
        "untitled",
        "binary comment",
        "charset=Ascii",
        "Created by Imlib",
        "iClarified",
        # Huawei/Honor camera-mode codes written into ImageDescription (PhotoPrism)
        "rhdr",
        "hdrpl",
        "oznorWO",
        "oznor",
        "frontbhdp",
        "fbt",
        "rbt",
        "ptr",
        "fbthdr",
        "btr",
        "mon",
        "nor",
        "dav",
        "mde",
        "mde_soft",
        "edf",
        "btfmdn",
        "btf",
        "btfhdr",
        "frem",
        "rpt",
        "burst",
        "sdr_HDRB",
        "cof",
        "qrf",
        "fshbty",
    )
)

# "FUJIFILM DIGITAL CAMERA", "CASIO DIGITAL CAMERA": upper case as cameras write it, so that a
# typed caption such as "My new digital camera" is not caught.
_BRAND_CAMERA = re.compile(r"^(?:[A-Z0-9][A-Z0-9.&-]*\s+){0,2}DIGITAL\s+(?:STILL\s+)?CAMERA$")
# Samsung Digimax models write their marketing line: "<Digimax i50 MP3, Samsung #1 MP3>".
_SAMSUNG_SLOGAN = re.compile(r"^<[^<>]*Samsung #1[^<>]*>$", re.IGNORECASE)
# Android and Windows sometimes leave the DCIM path ("DCIM\100MEDIA") as the description.
_DCIM_PATH = re.compile(r"^DCIM[\\/]\S*$", re.IGNORECASE)


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def is_placeholder(text: str | None, make: str | None = None, model: str | None = None) -> bool:
    """True when ``text`` is not a real caption/title but a camera or app default.

    ``make`` and ``model`` are the camera's EXIF Make/Model: a description equal to either (or
    to "make model") carries no information either.
    """
    if text is None:
        return True
    stripped = " ".join(text.split())
    if not any(ch.isalnum() for ch in stripped):
        return True  # blank, or only punctuation/control characters
    norm = stripped.casefold()
    if norm in _PLACEHOLDERS:
        return True
    if _BRAND_CAMERA.match(stripped) or _SAMSUNG_SLOGAN.match(stripped):
        return True
    if _DCIM_PATH.match(stripped):
        return True
    camera = [_normal(v) for v in (make, model) if v and v.strip()]
    if norm in camera:
        return True
    return len(camera) == 2 and norm == f"{camera[0]} {camera[1]}"
