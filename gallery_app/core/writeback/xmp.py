"""Merging the catalog's properties into a file's existing XMP packet, as XML.

Why not exiv2's XMP toolkit: it re-serialises the whole packet through its schema registry and
on the way rewrote the (non-standard) ``MicrosoftPhoto`` namespace URI that Windows writes, so
Windows Photos no longer found its own rating. Here the packet is parsed with ElementTree, the
properties we own are removed from every ``rdf:Description`` (element and attribute form), one
``rdf:Description`` with our values is appended, and everything else — face regions, xmpMM
history, camera properties, the toolkit name, unknown namespaces — is written back with its own
prefixes. The packet is then handed to exiv2 (or spliced into a JPEG) verbatim.

Our properties themselves are built by :func:`gallery_app.core.export.embed.build_xmp`, the
same builder the exports use, so escaping, lang-alt and keyword-hierarchy rules exist once.

Hostile packets: a DOCTYPE (entity expansion) is refused before parsing; a packet that is not
well-formed XML is refused too (:class:`XmpMergeError`), rather than silently replaced, because
replacing it would throw away metadata some other tool owns.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO

from gallery_app.core.export.embed import XMP_NAMESPACES, build_xmp, dc_subjects
from gallery_app.core.export.model import EmbeddedMetadata

__all__ = ["OWNED", "XmpMergeError", "XmpProperties", "merge_xmp"]

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
X = "adobe:ns:meta/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NS = XMP_NAMESPACES
# Windows writes this URI (no trailing slash); exiftool and some readers accept both forms.
MICROSOFT_PHOTO_URIS = ("http://ns.microsoft.com/photo/1.0", "http://ns.microsoft.com/photo/1.0/")

OWNED: frozenset[str] = frozenset(
    f"{{{NS[prefix]}}}{name}"
    for prefix, name in (
        ("dc", "title"),
        ("dc", "description"),
        ("dc", "subject"),
        ("dc", "creator"),
        ("dc", "rights"),
        ("photoshop", "Headline"),
        ("photoshop", "Credit"),
        ("Iptc4xmpCore", "AltTextAccessibility"),
        ("Iptc4xmpCore", "ExtDescrAccessibility"),
        ("xmpRights", "UsageTerms"),
        ("xmpRights", "Marked"),
        ("lr", "hierarchicalSubject"),
        ("Iptc4xmpExt", "PersonInImage"),
        ("Iptc4xmpExt", "Event"),
        ("plus", "ModelReleaseStatus"),
        ("xmp", "Rating"),
        ("xmp", "Label"),
        ("digiKam", "TagsList"),
    )
) | frozenset(
    f"{{{uri}}}{name}" for uri in MICROSOFT_PHOTO_URIS for name in ("LastKeywordXMP", "Rating")
)
"""Properties the catalog owns: removed from the file's packet and written from the catalog."""

MWG_RS = "http://www.metadataworkinggroup.com/schemas/regions/"
_COLOR_LABELS = frozenset({"red", "yellow", "green", "blue", "purple"})
_RELEASE = f"{{{NS['plus']}}}ModelReleaseStatus"
_EVENT = f"{{{NS['Iptc4xmpExt']}}}Event"
_LABEL = f"{{{NS['xmp']}}}Label"
_METADATA_DATE = f"{{{NS['xmp']}}}MetadataDate"

JPEG_PACKET_MAX = 65502
"""Room for one XMP packet in a JPEG APP1 segment (after the XMP signature)."""
_PADDING = 2048
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_XPACKET_BEGIN = '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
_XPACKET_END = '<?xpacket end="w"?>'
_NS_AUTO = re.compile(r"ns\d+$")


class XmpMergeError(Exception):
    """The existing packet cannot be merged safely; the message says why in one line."""


@dataclass(frozen=True)
class XmpProperties:
    """What goes into XMP besides the export fields: the culling state and tool mirrors."""

    metadata: EmbeddedMetadata
    rating: int
    """0-5, or -1 for rejected (Lightroom and Bridge's convention)."""
    color_label: str | None
    keywords: tuple[str, ...]
    """All catalog keywords ("A|B|C" paths and flat ones), for digiKam/Windows mirrors."""
    people: tuple[str, ...] | None = None
    """The people the catalog tags in the photo. MWG face regions naming anyone else are
    removed (the reader turns region names into people, so a kept region would bring a person
    the staff removed back on the next import). ``None`` leaves regions as they are."""
    metadata_date: str | None = None
    """``xmp:MetadataDate`` (ISO 8601) stamped on the packet, so a reader can tell which of a
    file's packet and its sidecar is newer."""


def _parse(packet: bytes) -> tuple[ET.Element, dict[str, str]]:
    """The ``x:xmpmeta`` (or bare ``rdf:RDF``) root and the packet's prefix → URI map."""
    # NULs removed too: in UTF-16/32 the declaration's letters are spread over NUL bytes.
    if _DOCTYPE.search(packet) or _DOCTYPE.search(packet.replace(b"\x00", b"")):
        raise XmpMergeError("the file's XMP has a DOCTYPE or entity declarations; not merged")
    text = packet.strip(b"\x00 \t\r\n").removeprefix(b"\xef\xbb\xbf")
    prefixes: dict[str, str] = {}
    try:
        root: ET.Element | None = None
        for event, item in ET.iterparse(BytesIO(text), events=("start-ns", "start")):
            if event == "start-ns":
                prefix, uri = item
                prefixes.setdefault(str(prefix), str(uri))
            elif root is None:
                root = item
    except ET.ParseError as exc:
        raise XmpMergeError(f"the file's XMP is not well-formed XML ({exc}); not merged") from exc
    if root is None:
        raise XmpMergeError("the file's XMP packet is empty")
    return root, prefixes


def _rdf_of(root: ET.Element) -> ET.Element:
    if root.tag == f"{{{RDF}}}RDF":
        return root
    rdf = root.find(f"{{{RDF}}}RDF")
    if rdf is None:
        rdf = ET.SubElement(root, f"{{{RDF}}}RDF")
    return rdf


def _seq(parent: ET.Element, tag: str, kind: str, values: Iterable[str]) -> None:
    prop = ET.SubElement(parent, tag)
    container = ET.SubElement(prop, f"{{{RDF}}}{kind}")
    for value in values:
        ET.SubElement(container, f"{{{RDF}}}li").text = value


def _ours(props: XmpProperties, existing: set[str]) -> ET.Element:
    """One ``rdf:Description`` with every property we own that has a value."""
    description = ET.Element(f"{{{RDF}}}Description", {f"{{{RDF}}}about": ""})
    built = build_xmp(props.metadata)
    if built:
        theirs, _ = _parse(built)
        for child in _rdf_of(theirs).iter(f"{{{RDF}}}Description"):
            description.extend(list(child))
    ET.SubElement(description, f"{{{NS['xmp']}}}Rating").text = str(props.rating)
    if props.metadata_date:
        ET.SubElement(description, _METADATA_DATE).text = props.metadata_date
    if props.color_label:
        ET.SubElement(description, f"{{{NS['xmp']}}}Label").text = props.color_label.capitalize()
    if f"{{{NS['digiKam']}}}TagsList" in existing and props.keywords:
        # digiKam reads its own tag tree first; a stale one would bring removed tags back.
        tags = [k.replace("|", "/") for k in props.keywords]
        _seq(description, f"{{{NS['digiKam']}}}TagsList", "Seq", tags)
    for uri in MICROSOFT_PHOTO_URIS:
        if f"{{{uri}}}LastKeywordXMP" in existing:
            subjects = dc_subjects(props.keywords)
            if subjects:
                _seq(description, f"{{{uri}}}LastKeywordXMP", "Bag", subjects)
        if f"{{{uri}}}Rating" in existing and props.rating >= 0:
            # Windows' 1-5 stars as percent: 1, 25, 50, 75, 99 (0 = unrated).
            percent = (0, 1, 25, 50, 75, 99)[props.rating]
            ET.SubElement(description, f"{{{uri}}}Rating").text = str(percent)
    return description


def _owned_present(rdf: ET.Element) -> set[str]:
    present: set[str] = set()
    # Top-level descriptions only: a struct's inner rdf:Description is someone else's data.
    for description in rdf.findall(f"{{{RDF}}}Description"):
        present.update(child.tag for child in description if child.tag in OWNED)
        present.update(name for name in description.attrib if name in OWNED)
    return present


def _replaced(props: XmpProperties) -> frozenset[str]:
    """The owned properties this write replaces.

    Properties the import never reads (the release status, the event, ``xmpRights:Marked``)
    are replaced only when we have a value: without one, what another tool said stays.
    ``xmp:Label`` is ours only as a colour; Bridge's workflow labels ("Approved") are kept
    unless a colour takes their place.
    """
    skip: set[str] = set()
    if props.metadata.model_release_status is None:
        skip.add(_RELEASE)
    if not props.metadata.event:
        skip.add(_EVENT)
    if not (props.metadata.copyright or "").strip():
        skip.add(f"{{{NS['xmpRights']}}}Marked")  # the import does not read it either
    if props.metadata_date:
        return OWNED.difference(skip) | {_METADATA_DATE}
    return OWNED.difference(skip)


def _value_text(description: ET.Element, tag: str) -> str | None:
    if tag in description.attrib:
        return description.attrib[tag]
    child = description.find(tag)
    return (child.text or "") if child is not None else None


def _strip_owned(rdf: ET.Element, props: XmpProperties) -> None:
    replaced = _replaced(props)
    for description in rdf.findall(f"{{{RDF}}}Description"):
        label = _value_text(description, _LABEL)
        keep_label = (
            not props.color_label
            and label is not None
            and label.strip().casefold() not in _COLOR_LABELS
        )
        for child in list(description):
            if child.tag in replaced and not (child.tag == _LABEL and keep_label):
                description.remove(child)
        for name in list(description.attrib):
            if name in replaced and not (name == _LABEL and keep_label):
                del description.attrib[name]
    # A description left with nothing to say (only rdf:about) is dropped, keeping it tidy.
    for description in list(rdf):
        if (
            description.tag == f"{{{RDF}}}Description"
            and len(description) == 0
            and set(description.attrib) <= {f"{{{RDF}}}about"}
        ):
            rdf.remove(description)


_MP = "http://ns.microsoft.com/photo/1.2/"
_MPRI = "http://ns.microsoft.com/photo/1.2/t/RegionInfo#"
_MPREG = "http://ns.microsoft.com/photo/1.2/t/Region#"
_REGION_STRUCTS = (
    # (property, list inside it, the region's person name, the region's type or None)
    (f"{{{MWG_RS}}}Regions", f"{{{MWG_RS}}}RegionList", f"{{{MWG_RS}}}Name", f"{{{MWG_RS}}}Type"),
    (f"{{{_MP}}}RegionInfo", f"{{{_MPRI}}}Regions", f"{{{_MPREG}}}PersonDisplayName", None),
)


def _field(item: ET.Element, tag: str) -> str | None:
    """A region's field in element or attribute form (also inside a nested Description)."""
    found: str | None = None
    for node in (item, *item.findall(f"{{{RDF}}}Description")):
        if tag in node.attrib:
            found = node.attrib[tag].strip()
        child = node.find(tag)
        if child is not None and child.text is not None:
            found = child.text.strip()
    return found


def _drop_untagged_faces(rdf: ET.Element, people: tuple[str, ...]) -> None:
    """Remove face regions (MWG, Windows) that name someone the catalog no longer tags.

    Regions of people still tagged, unnamed regions and MWG regions of other types (pets,
    focus areas) stay. A region list left empty takes its region property with it.
    """
    tagged = {p.strip() for p in people}
    for description in rdf.findall(f"{{{RDF}}}Description"):
        for prop_tag, list_tag, name_tag, type_tag in _REGION_STRUCTS:
            for prop in description.findall(prop_tag):
                holders = [prop, *prop.findall(f"{{{RDF}}}Description")]
                lists = [lst for h in holders for lst in h.findall(list_tag)]
                emptied = False
                for region_list in lists:
                    for container in region_list:
                        items = list(container)
                        for item in items:
                            name = _field(item, name_tag)
                            face = type_tag is None or _field(item, type_tag) == "Face"
                            if face and name and name not in tagged:
                                container.remove(item)
                        emptied = emptied or (bool(items) and len(container) == 0)
                if emptied and not any(len(c) for lst in lists for c in lst):
                    description.remove(prop)


def _register(prefixes: dict[str, str]) -> None:
    """Make ElementTree write each namespace with the prefix the packet (or we) gave it."""
    wanted = {"x": X, "rdf": RDF, **NS, **prefixes}
    for prefix, uri in wanted.items():
        if not prefix or _NS_AUTO.match(prefix) or prefix == "xml":
            continue
        try:
            ET.register_namespace(prefix, uri)
        except ValueError:
            continue


def merge_xmp(
    existing: bytes | None,
    props: XmpProperties,
    *,
    padding: bool = True,
    max_bytes: int | None = JPEG_PACKET_MAX,
) -> bytes:
    """The existing packet (or a fresh one) with our properties replaced, as UTF-8 bytes.

    ``padding`` adds about 2 KB of whitespace, so that other tools can edit in place;
    ``max_bytes`` is the room there is (one JPEG segment; ``None`` for sidecars and formats
    without a segment limit). Raises :class:`XmpMergeError` when the existing packet cannot be
    parsed safely or the result would not fit (we do not write ExtendedXMP).
    """
    prefixes: dict[str, str] = {}
    if existing and existing.strip(b"\x00 \t\r\n"):
        root, prefixes = _parse(existing)
        if root.tag not in (f"{{{X}}}xmpmeta", f"{{{X}}}xapmeta", f"{{{RDF}}}RDF"):
            raise XmpMergeError(f"the file's XMP has an unexpected root element {root.tag}")
        if root.tag == f"{{{RDF}}}RDF":
            wrapper = ET.Element(f"{{{X}}}xmpmeta")
            wrapper.append(root)
            root = wrapper
    else:
        root = ET.Element(f"{{{X}}}xmpmeta")
    rdf = _rdf_of(root)
    existing_owned = _owned_present(rdf)
    if props.people is not None:
        _drop_untagged_faces(rdf, props.people)
    _strip_owned(rdf, props)
    rdf.append(_ours(props, existing_owned))
    _register(prefixes)
    ET.indent(rdf, space=" ", level=1)
    body = ET.tostring(root, encoding="unicode")
    packet = _XPACKET_BEGIN + body + "\n"
    if padding:
        packet += (" " * 99 + "\n") * (_PADDING // 100)
    packet += _XPACKET_END
    data = packet.encode("utf-8")
    if max_bytes is not None and len(data) > max_bytes and padding:
        data = (_XPACKET_BEGIN + body + "\n" + _XPACKET_END).encode("utf-8")  # padding is optional
    if max_bytes is not None and len(data) > max_bytes:
        raise XmpMergeError(
            f"the XMP would be {len(data) // 1024} KB, more than one JPEG segment holds "
            "(ExtendedXMP is not written); shorten the caption or keywords, or write an XMP "
            "sidecar instead (--sidecar)"
        )
    return data
