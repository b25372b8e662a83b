"""Importing files that Photo Mechanic, Lightroom, digiKam and MWG face taggers wrote, and
writing back into them without losing what those tools own.

The metadata is written by exiftool the way each tool lays it out (an independent writer), the
import runs for real into a project, and the catalog rows are checked. Then write-back changes
our fields and the tools' own mirrors (digiKam TagsList, Windows LastKeywordXMP and XP tags)
follow, while their face regions and unknown properties stay.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from gallery_app.core import edits
from gallery_app.core.catalog import photos
from gallery_app.core.importing.importer import import_sources
from gallery_app.core.metadata import read_metadata
from gallery_app.core.project import Project
from gallery_app.core.writeback import write_back
from tests.helpers import make_jpeg

REGIONS = (
    "{AppliedToDimensions={W=640,H=427,Unit=pixel},RegionList=["
    "{Area={X=0.5,Y=0.4,W=0.2,H=0.3,Unit=normalized},Name=Chloé Durand,Type=Face},"
    "{Area={X=0.2,Y=0.4,W=0.2,H=0.3,Unit=normalized},Name=Bo,Type=Face},"
    "{Area={X=0.8,Y=0.8,W=0.1,H=0.1,Unit=normalized},Name=Rex,Type=Pet}]}"
)

TOOLS: dict[str, list[str]] = {
    # Photo Mechanic: IIM and XMP in step, UTF-8 IIM, a current digest.
    "photomechanic": [
        "-IPTC:CodedCharacterSet=UTF8",
        "-IPTC:Caption-Abstract=Zoë Müller at the lectern",
        "-XMP-dc:Description=Zoë Müller at the lectern",
        "-IPTC:Keywords=keynote",
        "-IPTC:Keywords=Leeds",
        "-XMP-dc:Subject=keynote",
        "-XMP-dc:Subject=Leeds",
        "-IPTC:By-line=Pat Fotógrafa",
        "-XMP-dc:Creator=Pat Fotógrafa",
        "-IPTC:City=Leeds",
        "-Photoshop:IPTCDigest=new",
    ],
    # Lightroom Classic: hierarchy with every ancestor flattened into dc:subject, reject, label.
    "lightroom": [
        "-XMP-lr:HierarchicalSubject=People|Speakers|Ana Müller",
        "-XMP-lr:HierarchicalSubject=Events|Open Data Summit 2026",
        *(
            f"-XMP-dc:Subject={k}"
            for k in ("People", "Speakers", "Ana Müller", "Events", "Open Data Summit 2026")
        ),
        "-XMP-xmp:Rating=-1",
        "-XMP-xmp:Label=Red",
        "-XMP-dc:Title=Keynote",
    ],
    # digiKam: its own tag tree ("/" separated) next to the flat keywords; Windows mirrors.
    "digikam": [
        "-XMP-digiKam:TagsList=Places/Leeds/Town Hall",
        "-XMP-digiKam:TagsList=Sessions/Panel",
        "-XMP-dc:Subject=Town Hall",
        "-XMP-dc:Subject=Panel",
        "-XMP-microsoft:LastKeywordXMP=Town Hall",
        "-XMP-microsoft:LastKeywordXMP=Panel",
        "-XMP-xmp:Rating=3",
        "-IFD0:XPTitle=Panel in the Town Hall",
        "-IFD0:XPKeywords=Town Hall;Panel",
    ],
    # A face tagger (Picasa, digiKam, Lightroom): MWG regions; names of faces are people.
    "faces": [
        "-XMP-iptcExt:PersonInImage=Ana Müller",
        f"-XMP-mwg-rs:RegionInfo={REGIONS}",
    ],
}


def exiftool_run(exiftool: str, *args: str) -> Any:
    result = subprocess.run(
        [exiftool, "-q", "-q", *args], capture_output=True, check=False, timeout=120
    )
    return result


def make_tool_files(folder: Path, exiftool: str) -> dict[str, Path]:
    paths = {}
    for seed, (tool, args) in enumerate(TOOLS.items()):
        path = make_jpeg(folder / f"{tool}.jpg", seed=seed)
        result = exiftool_run(exiftool, "-overwrite_original", *args, str(path))
        assert result.returncode == 0, result.stderr
        paths[tool] = path
    return paths


def by_name(project: Project) -> dict[str, dict[str, Any]]:
    rows = {}
    for photo_id in photos.list_photo_ids(project.conn):
        row = photos.get_photo(project.conn, photo_id)
        rows[Path(row["source_path"]).stem] = row
    return rows


def test_import_reads_what_other_tools_wrote(
    project: Project, tmp_path: Path, exiftool: str
) -> None:
    make_tool_files(tmp_path / "card", exiftool)
    summary = import_sources(project, [tmp_path / "card"], workers=1)
    assert summary.failed == []
    rows = by_name(project)

    pm = rows["photomechanic"]
    assert pm["caption"] == "Zoë Müller at the lectern"
    assert pm["creator"] == "Pat Fotógrafa"
    assert pm["keywords"] == ["keynote", "Leeds"]

    lr = rows["lightroom"]
    assert lr["keywords"] == ["People|Speakers|Ana Müller", "Events|Open Data Summit 2026"]
    assert lr["flag"] == "reject" and lr["rating"] == 0
    assert lr["color_label"] == "red"
    assert lr["title"] == "Keynote"

    dk = rows["digikam"]
    assert sorted(dk["keywords"]) == ["Places|Leeds|Town Hall", "Sessions|Panel"]
    assert dk["rating"] == 3

    faces = rows["faces"]
    assert faces["people"] == ["Ana Müller", "Chloé Durand", "Bo"]  # the pet is not a person


def test_write_back_keeps_other_tools_data_and_their_mirrors_in_step(
    project: Project, tmp_path: Path, exiftool: str
) -> None:
    make_tool_files(tmp_path / "card", exiftool)
    import_sources(project, [tmp_path / "card"], workers=1)
    rows = by_name(project)
    ids = {name: row["id"] for name, row in rows.items()}
    edits.apply_edit(
        project,
        list(ids.values()),
        edits.EditRequest(
            caption="Rewritten by the comms team",
            add_keywords=["Sessions|Closing"],
            remove_keywords=["Sessions|Panel", "keynote"],
            rating=5,
            flag=0,
        ),
    )
    summary = write_back(project)
    assert summary.failed == [] and len(summary.written) == 4
    paths = {name: project.resolve(row["path"]) for name, row in rows.items()}
    result = exiftool_run(exiftool, "-j", "-a", "-G1", "-n", *map(str, paths.values()))
    tags = {Path(d["SourceFile"]).stem: d for d in json.loads(result.stdout)}
    names = {project.resolve(row["path"]).stem: name for name, row in rows.items()}
    tags = {names[k]: v for k, v in tags.items()}

    pm = tags["photomechanic"]
    assert pm["IPTC:City"] == "Leeds"  # an IIM dataset we do not own survives, as UTF-8
    assert pm["IPTC:Caption-Abstract"] == "Rewritten by the comms team"
    assert pm["Photoshop:IPTCDigest"] == pm["File:CurrentIPTCDigest"]
    assert "keynote" not in pm["IPTC:Keywords"]

    lr = tags["lightroom"]
    assert lr["XMP-xmp:Rating"] == 5  # no longer rejected
    assert lr["XMP-xmp:Label"] == "Red"

    dk = tags["digikam"]
    assert sorted(dk["XMP-digiKam:TagsList"]) == ["Places/Leeds/Town Hall", "Sessions/Closing"]
    assert sorted(dk["XMP-microsoft:LastKeywordXMP"]) == ["Closing", "Town Hall"]
    assert sorted(dk["IFD0:XPKeywords"].split(";")) == ["Closing", "Town Hall"]
    assert "IFD0:XPTitle" in dk

    faces = tags["faces"]
    assert [r["Name"] for r in _regions(faces)] == ["Chloé Durand", "Bo", "Rex"]
    assert sorted(faces["XMP-iptcExt:PersonInImage"]) == ["Ana Müller", "Bo", "Chloé Durand"]

    for name, path in paths.items():
        md = read_metadata(path)
        assert md.caption == "Rewritten by the comms team", name
        assert md.rating == 5, name
        assert "Sessions|Panel" not in md.keywords, name


def _regions(tags: dict[str, Any]) -> list[dict[str, Any]]:
    names = tags.get("XMP-mwg-rs:RegionName")
    return [{"Name": n} for n in (names if isinstance(names, list) else [names])]
