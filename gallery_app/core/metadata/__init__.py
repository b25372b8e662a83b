"""Reading photo metadata: EXIF, IPTC-IIM and XMP, reconciled by the MWG 2.0 rules.

``read_metadata(path)`` returns one :class:`~gallery_app.core.model.PhotoMetadata` per file.
A photo often carries the same caption three times: EXIF (cameras, Windows), IPTC-IIM (old
newsroom tools, WordPress reads only this) and XMP (every modern DAM). They disagree when one
tool updated only some of them, so the order in which we trust them matters; we follow the
Metadata Working Group's guidelines (as exiftool ``-use MWG`` implements them, our test
oracle), see ``shared/research/metadata.md`` §2-3.

Reconciliation (first usable value wins; "XMP ⇄ IIM" = the digest rule below):

=================  =====================================================================
Field              Read order
=================  =====================================================================
caption            EXIF ImageDescription → XMP dc:description ⇄ IIM 2:120 Caption
creator            EXIF Artist → XMP dc:creator ⇄ IIM 2:80 By-line (lists joined "; ")
copyright          EXIF Copyright → XMP dc:rights ⇄ IIM 2:116 CopyrightNotice
keywords (flat)    XMP dc:subject ⇄ IIM 2:25 Keywords → EXIF XPKeywords
title              XMP dc:title ⇄ IIM 2:05 ObjectName → EXIF XPTitle
headline           XMP photoshop:Headline ⇄ IIM 2:105 Headline
credit             XMP photoshop:Credit ⇄ IIM 2:110 Credit
captured_at        EXIF DateTimeOriginal (+SubSecTimeOriginal, +OffsetTimeOriginal) →
                   XMP exif:DateTimeOriginal / photoshop:DateCreated / xmp:CreateDate ⇄
                   IIM 2:55 DateCreated + 2:60 TimeCreated; never the file time
alt_text           XMP Iptc4xmpCore:AltTextAccessibility (no EXIF/IIM equivalent)
ext_description    XMP Iptc4xmpCore:ExtDescrAccessibility
usage_terms        XMP xmpRights:UsageTerms
keywords (paths)   XMP lr:hierarchicalSubject "A|B|C", digiKam:TagsList "A/B/C" → "A|B|C"
people             XMP Iptc4xmpExt:PersonInImage + names of mwg-rs regions of Type Face
rating             XMP xmp:Rating → EXIF Rating; clamped to 0-5; -1 ("rejected") → None
colour label       XMP xmp:Label (Lightroom's Red, Yellow, Green, Blue, Purple)
=================  =====================================================================

The digest rule (XMP ⇄ IIM). Photoshop IRB 0x0425 *IPTCDigest* stores the MD5 of the IIM as
it was when the XMP was last synchronised; we compare it with the MD5 of the IIM now:

===========================  =================================================================
File has                     Winner
===========================  =================================================================
no IIM                       XMP
IIM, no stored digest        XMP if it has the value, else IIM
IIM, digest matches          XMP if it has the value, else IIM
IIM, digest does not match   IIM (an old tool edited it after the XMP), even when the IIM
                             lacks the field; an IIM value cut at its byte limit that is a
                             prefix of the XMP value yields to the XMP (MWG truncation rule)
===========================  =================================================================

Departures from MWG, on purpose: blank values and camera placeholders ("OLYMPUS DIGITAL
CAMERA", a description equal to the camera model ...; :mod:`.placeholders`) count as absent in
every block, so a real caption elsewhere wins instead of the placeholder. Lightroom's hierarchy
lives only in XMP, so hierarchical keywords are kept even when the IIM wins the flat ones;
flat keywords that merely repeat a component of one of those paths are not added again.

Text decoding: EXIF ASCII is UTF-8 if valid (MWG) else Latin-1, cut at NUL; IIM honours 1:90
(ESC % G = UTF-8), otherwise UTF-8 if valid, else cp1252/Latin-1; XMP is Unicode.

``PhotoMetadata.sources`` names the block ("exif", "iptc", "xmp") each descriptive field came
from (caption, title, headline, alt_text, ext_description, creator, credit, copyright,
usage_terms, keywords, people, rating, color_label); ``sources["rejected"]`` is set when the
rating was -1.

An XMP sidecar next to the file (``photo.heic.xmp`` or ``photo.xmp``, the newer if both) takes
the place of the file's own descriptive metadata: see :func:`apply_sidecar`.
"""

from gallery_app.core.metadata.irb import IptcDigests, jpeg_iptc_digests
from gallery_app.core.metadata.placeholders import is_placeholder
from gallery_app.core.metadata.reader import MetadataUnreadable, read_metadata
from gallery_app.core.metadata.sidecar import apply_sidecar, sidecar_candidates

__all__ = [
    "IptcDigests",
    "MetadataUnreadable",
    "apply_sidecar",
    "is_placeholder",
    "jpeg_iptc_digests",
    "read_metadata",
    "sidecar_candidates",
]
