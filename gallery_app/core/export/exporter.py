"""The export use case: the consent gate, renditions on every core, the gallery, the records.

The export is where consent stops being advice. For the preset's use, every selected photo gets
its verdict: **blocked** photos never leave; **needs review** photos leave only with an
override and a reason (kept in the audit log); rejected photos never leave. Everything else is
rendered with metadata rebuilt from the catalog by allow-list (nothing is copied from the
original), and the catalog records which photo went into which file, so that a later
withdrawal can name every file to take down.

Re-exporting into the same folder is incremental: a photo whose pixels, metadata and preset
settings are unchanged keeps its files; files of photos no longer exported (withdrawn,
rejected, deselected) are deleted — only files this app wrote there, never anything else.

The report of what was left out names people and their consent decisions, so it is written to
the project (``exports/reports/``), never into the folder that gets published.

The catalog is read and written in short units of work passed to a
:class:`~gallery_app.core.catalog.access.CatalogAccess` (the plan, blocks of photo rows, the
record at the end), never through a connection held while images are made: the desktop app
runs them on its one catalog thread, between the grid's reads and the user's edits. Even the
plan is made in parts of a couple of thousand photos (:func:`plan_in_parts`) for that reason.
"""

from __future__ import annotations

import concurrent.futures
import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import re
import sqlite3
import time
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gallery_app.core import audit
from gallery_app.core.catalog import photos as photo_rows
from gallery_app.core.catalog.access import CatalogAccess, access_for
from gallery_app.core.catalog.database import id_chunks, transaction
from gallery_app.core.consent import store
from gallery_app.core.consent.model import Decision, Verdict
from gallery_app.core.consent.release import model_release_status
from gallery_app.core.errors import UserError
from gallery_app.core.export import renditions
from gallery_app.core.export.model import EmbeddedMetadata, RenderedFile
from gallery_app.core.export.presets import Preset, get_preset
from gallery_app.core.export.selection import parse_selection
from gallery_app.core.importing.importer import describe_failure
from gallery_app.core.importing.naming import slug
from gallery_app.core.progress import CancelToken, ProgressCallback, ProgressEvent, ignore_progress
from gallery_app.core.project import Project, ProjectDefaults, now_iso
from gallery_app.core.resources import resources_dir
from gallery_app.core.workers import PendingFutures, worker_pool

MANIFEST_NAME = ".gallery-curator-export.json"
RENDERER_VERSION = 1
RENDER_TIMEOUT_S = 300.0
_POLL_S = 0.1
_IMAGES_DIR = "images"
_READ_CHUNK = 200
"""Photo rows read per unit of catalog work while the export gathers what to render."""


@dataclass(frozen=True)
class PlannedPhoto:
    """One selected photo and what the gate decided about it."""

    photo_id: int
    decision: Decision
    exported: bool
    reasons: tuple[str, ...]
    rejected: bool = False


@dataclass
class ExportPlan:
    """What an export would do, before it does it (the GUI shows this first)."""

    preset: Preset
    photos: list[PlannedPhoto]

    @property
    def exported(self) -> list[int]:
        return [p.photo_id for p in self.photos if p.exported]

    @property
    def excluded(self) -> list[dict[str, Any]]:
        return [
            {
                "id": p.photo_id,
                "verdict": "rejected" if p.rejected else p.decision.verdict.value,
                "reasons": list(p.reasons),
            }
            for p in self.photos
            if not p.exported
        ]


@dataclass
class ExportSummary:
    """What ``gallery-app export --json`` prints."""

    export_id: int = 0
    preset: str = ""
    use: str = ""
    out_dir: str = ""
    exported: list[int] = field(default_factory=list)
    excluded: list[dict[str, Any]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rendered: int = 0
    reused: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    missing_alt_text: list[int] = field(default_factory=list)
    report: str = ""
    report_html: str = ""
    seconds: float = 0.0
    cancelled: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["seconds"] = round(self.seconds, 3)
        return data


def plan_export(
    project: Project,
    preset: Preset,
    *,
    select: str | None = None,
    today: dt.date | None = None,
    photo_ids: list[int] | None = None,
) -> ExportPlan:
    """Apply the selection and the consent gate; nothing is written.

    It reads ``project.conn`` directly: one unit of catalog work. The verdicts of 20,000 photos
    take a second or two, too long for the desktop app's one catalog thread (the grid and the
    user's edits would wait behind it), so a front end plans in parts: ``photo_ids`` is one
    part of :func:`plan_parts` (the selection's ids, in order), and :func:`merge_plans` puts
    the parts' plans together into the whole plan; :func:`plan_in_parts` does all of that
    through a :class:`CatalogAccess`.
    """
    query, picked_only = parse_selection(select)
    ids = photo_rows.list_photo_ids(project.conn, query) if photo_ids is None else photo_ids
    flags = _flags(project.conn, None if photo_ids is None else ids)
    decisions = store.decisions(project.conn, preset.use, today, photo_ids=ids)
    planned = []
    for photo_id in ids:
        decision = decisions.get(photo_id)
        if decision is None or photo_id not in flags:
            continue  # removed from the catalog since its part was listed
        if flags[photo_id] == -1:
            planned.append(
                PlannedPhoto(photo_id, decision, False, ("rejected while culling",), rejected=True)
            )
        elif picked_only and flags[photo_id] != 1:
            continue
        elif decision.verdict is Verdict.CLEARED:
            planned.append(PlannedPhoto(photo_id, decision, True, decision.reasons))
        else:
            planned.append(PlannedPhoto(photo_id, decision, False, decision.reasons))
    return ExportPlan(preset, planned)


PLAN_PART_SIZE = 2000
"""Photos per unit of catalog work when a plan is made in parts (about 0.1 s each)."""


def plan_parts(
    conn: sqlite3.Connection, select: str | None, size: int = PLAN_PART_SIZE
) -> list[list[int]]:
    """The ids ``select`` chooses, in the plan's order, in parts of ``size`` for
    :func:`plan_export` (a bad selection is refused here, before any part is planned)."""
    query, _ = parse_selection(select)
    ids = photo_rows.list_photo_ids(conn, query)
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def merge_plans(preset: Preset, parts: Iterable[ExportPlan]) -> ExportPlan:
    """One plan from the plans of the consecutive parts of :func:`plan_parts`."""
    return ExportPlan(preset, [photo for part in parts for photo in part.photos])


def plan_in_parts(
    access: CatalogAccess,
    preset: Preset,
    *,
    select: str | None = None,
    today: dt.date | None = None,
    size: int | None = None,
) -> ExportPlan:
    """:func:`plan_export`, one unit of catalog work per part (of ``size`` photos, default
    :data:`PLAN_PART_SIZE`), so that work queued meanwhile (the grid, the user's edits, an
    import's commits) runs between the parts."""
    part_size = size or PLAN_PART_SIZE
    parts = access.run(lambda p: plan_parts(p.conn, select, part_size))
    plans = []
    for part in parts:

        def plan(p: Project, part: list[int] = part) -> ExportPlan:
            return plan_export(p, preset, select=select, today=today, photo_ids=part)

        plans.append(access.run(plan))
    return merge_plans(preset, plans)


def _flags(conn: sqlite3.Connection, photo_ids: list[int] | None) -> dict[int, int]:
    """Each photo's pick/reject flag: of every photo (``None``) or of the given ones."""
    if photo_ids is None:
        return dict(conn.execute("SELECT id, flag FROM photos").fetchall())
    flags: dict[int, int] = {}
    for chunk, marks in id_chunks(photo_ids):
        flags.update(conn.execute(f"SELECT id, flag FROM photos WHERE id IN ({marks})", chunk))
    return flags


def export(
    project: Project,
    out_dir: Path,
    *,
    preset_name: str = "website",
    select: str | None = None,
    widths: tuple[int, ...] | None = None,
    formats: tuple[str, ...] | None = None,
    overrides: list[tuple[int, str]] | None = None,
    album_keyword: str | None = None,
    make_zip: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    workers: int | None = None,
    today: dt.date | None = None,
    access: CatalogAccess | None = None,
) -> ExportSummary:
    """Export the selected photos with a preset; see the module docstring for the rules.

    ``access`` is how to reach the catalog (default: ``project``'s own connection, on this
    thread); ``project`` itself is then used for its paths only.
    """
    if not project.writable:
        raise UserError("the project was opened read-only; open it for writing to export")
    started = time.perf_counter()
    preset = get_preset(preset_name, project.root).with_overrides(widths, formats)
    out = out_dir.expanduser().absolute()
    if out == project.root or any(
        out == inner or out.is_relative_to(inner)
        for inner in (project.originals_dir, project.cache_dir)
    ):
        raise UserError("export into a folder of its own, not into the project folder itself")
    catalog = access_for(project, access)
    use = preset.use
    for photo_id, reason in overrides or []:

        def override(p: Project, photo_id: int = photo_id, reason: str = reason) -> None:
            _override(p, photo_id, use, reason, today)

        catalog.run(override)
    plan = plan_in_parts(catalog, preset, select=select, today=today)
    run = _ExportRun(
        project=project,
        access=catalog,
        preset=preset,
        out=out,
        plan=plan,
        album_keyword=album_keyword,
        make_zip=make_zip,
        progress=progress or ignore_progress,
        cancel=cancel or CancelToken(),
        workers=workers,
        today=today or dt.date.today(),
    )
    summary = run.execute()
    summary.seconds = time.perf_counter() - started
    run.write_report(summary)
    return summary


def _override(
    project: Project, photo_id: int, use: str, reason: str, today: dt.date | None
) -> None:
    """Record the user's override of one photo that is not cleared (one unit of work)."""
    decision = store.decisions(project.conn, use, today, photo_ids=[photo_id]).get(photo_id)
    if decision is None:
        raise UserError(f"there is no photo with id {photo_id} in this project")
    if decision.verdict is not Verdict.CLEARED:
        store.override(project, photo_id, use, reason)


@dataclass
class _Job:
    photo_id: int
    source: Path
    orientation: int
    basename: str
    metadata: EmbeddedMetadata
    key: str
    row: dict[str, Any]


@dataclass
class _ExportRun:
    project: Project
    """For paths only: the catalog is reached through :attr:`access`."""
    access: CatalogAccess
    preset: Preset
    out: Path
    plan: ExportPlan
    album_keyword: str | None
    make_zip: bool
    progress: ProgressCallback
    cancel: CancelToken
    workers: int | None
    today: dt.date
    manifest: dict[str, Any] = field(default_factory=dict)
    results: dict[int, list[RenderedFile]] = field(default_factory=dict)
    _previous_extra: list[str] = field(default_factory=list)
    _defaults: ProjectDefaults | None = None

    @property
    def defaults(self) -> ProjectDefaults:
        """The project's event and credit defaults, read once per export."""
        if self._defaults is None:
            self._defaults = self.access.run(lambda p: p.defaults())
        return self._defaults

    @property
    def images_dir(self) -> Path:
        return self.out / _IMAGES_DIR

    def execute(self) -> ExportSummary:
        summary = ExportSummary(
            preset=self.preset.name,
            use=self.preset.use,
            out_dir=str(self.out),
            excluded=self.plan.excluded,
        )
        try:
            self.images_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot create export folder {self.out}: {exc.strerror}") from None
        self.manifest = self._read_manifest()
        self._previous_extra = list(self.manifest.get("extra", []))
        self.manifest["extra"] = []
        self._sweep_temporary_files()
        jobs = self._jobs(self.plan.exported)
        summary.missing_alt_text = [j.photo_id for j in jobs if not j.row["alt_text"]]
        previous: dict[str, Any] = self.manifest.get("photos", {})
        to_render = []
        for job in jobs:
            entry = previous.get(str(job.photo_id))
            if entry and entry["key"] == job.key and self._files_intact(entry["files"]):
                self.results[job.photo_id] = [RenderedFile(**f) for f in entry["files"]]
                summary.reused += 1
            else:
                to_render.append(job)
        self._render(to_render, summary)
        if self.cancel.cancelled:
            summary.cancelled = True
        else:
            self._hold_back_photos_no_longer_cleared(jobs, summary)
        exported_ids = [j.photo_id for j in jobs if j.photo_id in self.results]
        summary.missing_alt_text = [i for i in summary.missing_alt_text if i in self.results]
        summary.exported = exported_ids
        current = {str(pid): self.results[pid] for pid in exported_ids}
        summary.removed = self._remove_stale(previous, current)
        pages: dict[int, list[str]] = {}
        extra: list[tuple[str, str, list[int]]] = []
        if not summary.cancelled:
            by_id = {j.photo_id: j for j in jobs}
            groups = self._groups([by_id[pid] for pid in exported_ids])
            if self.preset.site:
                pages = self._build_site(groups)
            if self.preset.manifest:
                extra += self._write_cms_manifest([by_id[pid] for pid in exported_ids])
            if self.make_zip:
                extra += self._write_zips(groups)
        if summary.cancelled:
            self.manifest["extra"] = self._previous_extra
        else:
            summary.removed = sorted(set(summary.removed) | set(self._remove_stale_extras()))
        self._write_manifest(jobs, current, previous if summary.cancelled else {})
        summary.files = sorted(
            {f.path for files in current.values() for f in files}
            | {p for paths in pages.values() for p in paths}
            | {path for path, _, _ in extra}
        )
        summary.export_id = self._record(summary, current, pages, extra)
        return summary

    def _hold_back_photos_no_longer_cleared(self, jobs: list[_Job], summary: ExportSummary) -> None:
        """Consent is the gate when the gallery is written, not only when it was planned.

        Rendering takes minutes, and meanwhile someone may tag a person who refused or record
        a withdrawal (in the desktop app, on the same catalog). So every photo about to go
        out is checked again, in parts, just before the pages are written: one that is no
        longer cleared stays out, its image files are deleted and the report says why.
        """
        going_out = [j.photo_id for j in jobs if j.photo_id in self.results]
        for start in range(0, len(going_out), PLAN_PART_SIZE):
            part = going_out[start : start + PLAN_PART_SIZE]

            def check(p: Project, part: list[int] = part) -> dict[int, Decision]:
                return store.decisions(p.conn, self.preset.use, self.today, photo_ids=part)

            decisions = self.access.run(check)
            for photo_id in part:
                decision = decisions.get(photo_id)
                if decision is not None and decision.verdict is Verdict.CLEARED:
                    continue
                for rendered in self.results.pop(photo_id):
                    if _inside(self.out, rendered.path):
                        (self.out / rendered.path).unlink(missing_ok=True)
                summary.excluded.append(
                    {
                        "id": photo_id,
                        "verdict": decision.verdict.value if decision else "removed",
                        "reasons": (
                            ["consent changed during the export", *decision.reasons]
                            if decision
                            else ["removed from the project during the export"]
                        ),
                    }
                )

    # -- planning ---------------------------------------------------------------------------

    def _rows(self, photo_ids: list[int]) -> Iterable[tuple[int, dict[str, Any], Any]]:
        """Each photo's catalog row and consent facts, read in blocks (one unit each)."""
        keep_people = self.preset.keep_people
        for start in range(0, len(photo_ids), _READ_CHUNK):
            block = photo_ids[start : start + _READ_CHUNK]

            def read(
                p: Project, block: list[int] = block
            ) -> tuple[list[dict[str, Any]], dict[int, Any]]:
                facts = store.load_facts(p.conn, block) if keep_people else {}
                return [photo_rows.get_photo(p.conn, i) for i in block], facts

            rows, facts = self.access.run(read)
            for photo_id, row in zip(block, rows, strict=True):
                yield photo_id, row, facts.get(photo_id)

    def _jobs(self, photo_ids: list[int]) -> list[_Job]:
        defaults = self.defaults
        event = defaults.event_name
        names_of_people = self.access.run(
            lambda p: {r[0].casefold() for r in p.conn.execute("SELECT name FROM people")}
        )
        jobs = []
        for photo_id, row, photo_facts in self._rows(photo_ids):
            keywords = tuple(
                k
                for k in row["keywords"]
                if k.casefold() not in names_of_people
                and not k.split("|")[0].strip().casefold().startswith("people")
                and k.split("|")[-1].strip().casefold() not in names_of_people
            )
            people: tuple[str, ...] = ()
            release = None
            if self.preset.keep_people:
                people = tuple(row["people"])
                release = self._release_status(photo_facts)
            metadata = EmbeddedMetadata(
                title=row["title"],
                headline=row["headline"],
                caption=row["caption"],
                alt_text=row["alt_text"],
                ext_description=row["ext_description"],
                creator=row["creator"] or defaults.creator,
                credit=row["credit"] or defaults.credit,
                copyright=row["copyright"] or defaults.copyright,
                usage_terms=row["usage_terms"],
                keywords=keywords,
                event=event,
                people=people,
                model_release_status=release,
                camera_make=row["camera_make"] if self.preset.keep_camera else None,
                camera_model=row["camera_model"] if self.preset.keep_camera else None,
                lens=row["lens"] if self.preset.keep_camera else None,
                captured_at=row["captured_at"] if self.preset.keep_camera else None,
            )
            basename = f"{slug(event).lower()[:40]}-{photo_id:05d}"
            key_data = {
                "renderer": RENDERER_VERSION,
                "content": row["content_hash"],
                "orientation": row["orientation"],
                "preset": self.preset.fingerprint(),
                "metadata": dataclasses.asdict(metadata),
                "basename": basename,
            }
            key = hashlib.sha256(
                json.dumps(key_data, sort_keys=True, ensure_ascii=False).encode()
            ).hexdigest()
            jobs.append(
                _Job(
                    photo_id=photo_id,
                    source=self.project.resolve(row["path"]),
                    orientation=row["orientation"],
                    basename=basename,
                    metadata=metadata,
                    key=key,
                    row=row,
                )
            )
        return jobs

    def _release_status(self, facts: Any) -> str | None:
        return model_release_status(facts, self.today)

    # -- rendering --------------------------------------------------------------------------

    def _files_intact(self, files: list[dict[str, Any]]) -> bool:
        for item in files:
            try:
                if (self.out / item["path"]).stat().st_size != item["bytes"]:
                    return False
            except OSError:
                return False
        return True

    def _render(self, jobs: list[_Job], summary: ExportSummary) -> None:
        if not jobs:
            return
        total = len(jobs)
        spec = self.preset.rendition_spec()
        self.progress(ProgressEvent("rendering", 0, total))
        pool = worker_pool(self.workers)
        pending: PendingFutures[_Job] = PendingFutures()
        try:
            for job in jobs:
                future: concurrent.futures.Future[Any] = pool.schedule(
                    renditions.render_photo,
                    args=(
                        job.source,
                        job.orientation,
                        self.images_dir,
                        job.basename,
                        spec,
                        job.metadata,
                    ),
                    timeout=RENDER_TIMEOUT_S,
                )
                pending[future] = job
            done_count = 0
            while pending and not self.cancel.cancelled:
                for finished in pending.wait_any(_POLL_S):
                    job = pending.pop(finished)
                    done_count += 1
                    try:
                        files: list[RenderedFile] = finished.result()
                    except Exception as exc:  # every failure is reported per photo
                        reason = describe_failure(exc, RENDER_TIMEOUT_S)
                        summary.failed.append({"path": str(job.source), "error": reason})
                        self.progress(
                            ProgressEvent(
                                "rendering",
                                done_count,
                                total,
                                "failed",
                                job.source,
                                job.photo_id,
                                reason,
                            )
                        )
                        continue
                    self.results[job.photo_id] = [
                        dataclasses.replace(f, path=f"{_IMAGES_DIR}/{f.path}") for f in files
                    ]
                    summary.rendered += 1
                    self.progress(
                        ProgressEvent(
                            "rendering",
                            done_count,
                            total,
                            "photo_exported",
                            job.source,
                            job.photo_id,
                        )
                    )
        finally:
            if self.cancel.cancelled or pending:
                pool.stop()  # type: ignore[no-untyped-call]
            else:
                pool.close()  # type: ignore[no-untyped-call]
            pool.join()

    def _remove_stale(
        self, previous: dict[str, Any], current: dict[str, list[RenderedFile]]
    ) -> list[str]:
        """Delete files this app wrote before that the current export no longer has."""
        keep = {f.path for files in current.values() for f in files}
        removed = []
        for entry in previous.values():
            for item in entry["files"]:
                path = item["path"]
                if path not in keep and _inside(self.out, path):
                    try:
                        (self.out / path).unlink()
                        removed.append(path)
                    except FileNotFoundError:
                        removed.append(path)
                    except OSError:
                        continue
        return sorted(set(removed))

    # -- outputs ----------------------------------------------------------------------------

    def _groups(self, jobs: list[_Job]) -> list[tuple[str, str, list[_Job]]]:
        """Albums as (title, slug, photos): one per keyword below ``--albums-by``, or one."""
        groups: dict[str, list[_Job]] = {}
        if self.album_keyword:
            prefix = [part.strip() for part in self.album_keyword.strip("|").split("|")]
            for job in jobs:
                child = next(
                    (
                        parts[len(prefix)]
                        for parts in (
                            [p.strip() for p in k.split("|")] for k in job.row["keywords"]
                        )
                        if parts[: len(prefix)] == prefix and len(parts) > len(prefix)
                    ),
                    "More photos",
                )
                groups.setdefault(child, []).append(job)
        else:
            groups[self.defaults.event_name] = jobs
        result = []
        used: set[str] = set()
        for title, members in groups.items():
            album_slug = base = slug(title).lower()
            counter = 1
            while album_slug in used:
                counter += 1
                album_slug = f"{base}-{counter}"
            used.add(album_slug)
            result.append((title, album_slug, members))
        return result

    def _site_image(self, job: _Job) -> Any:
        from gallery_app.core.export import site

        files = [f for f in self.results[job.photo_id] if f.role == "image"]
        sources: dict[str, list[tuple[str, int]]] = {}
        for f in sorted(files, key=lambda f: f.width):
            sources.setdefault(f.format, []).append((f.path, f.width))
        jpegs = sources.get("jpeg", [])
        largest = max(files, key=lambda f: f.width)
        return site.SiteImage(
            photo_id=job.photo_id,
            slug=job.basename,
            width=largest.width,
            height=largest.height,
            sources=sources,
            fallback=_middle(jpegs) if jpegs else largest.path,
            download=jpegs[-1][0] if jpegs else None,
            alt=job.metadata.alt_text,
            caption=job.metadata.caption,
            title=job.metadata.title or job.metadata.headline,
            credit=job.metadata.credit or job.metadata.creator,
            copyright=job.metadata.copyright,
        )

    def _build_site(self, groups: list[tuple[str, str, list[_Job]]]) -> dict[int, list[str]]:
        from gallery_app.core.export import site

        defaults = self.defaults
        albums = [
            site.SiteAlbum(
                slug=album_slug,
                title=title,
                description=None,
                images=[self._site_image(job) for job in members],
                zip_path=f"{album_slug}.zip" if self.make_zip else None,
            )
            for title, album_slug, members in groups
        ]
        info = site.SiteInfo(
            title=defaults.event_name,
            date=defaults.event_date,
            venue=defaults.venue,
            credit=defaults.credit or defaults.creator,
            copyright=defaults.copyright,
        )
        written = site.build_site(self.out, info, albums)
        pages: dict[int, list[str]] = {}
        for album, (_, _, members) in zip(albums, groups, strict=True):
            # A photo is on its album's page and (as a cover, or as the only album) on the
            # index: both are files to take down or rebuild when its consent changes.
            photo_pages = [p for p in (site.album_page(album), "index.html") if p in written]
            for job in members:
                pages[job.photo_id] = photo_pages
        self.manifest["extra"] = sorted(set(self.manifest.get("extra", [])) | set(written))
        return pages

    def _write_cms_manifest(self, jobs: list[_Job]) -> list[tuple[str, str, list[int]]]:
        rows = []
        for job in jobs:
            for f in self.results[job.photo_id]:
                rows.append(
                    {
                        "photo_id": job.photo_id,
                        "file": f.path,
                        "format": f.format,
                        "width": f.width,
                        "height": f.height,
                        "bytes": f.bytes,
                        "title": job.metadata.title or job.metadata.headline or "",
                        "caption": job.metadata.caption or "",
                        "alt_text": job.metadata.alt_text or "",
                        "credit": job.metadata.credit or job.metadata.creator or "",
                        "copyright": job.metadata.copyright or "",
                    }
                )
        _atomic_write(self.out / "manifest.json", json.dumps(rows, ensure_ascii=False, indent=2))
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["photo_id"])
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_safe(v) for k, v in row.items()})
        _atomic_write(self.out / "manifest.csv", "\ufeff" + buffer.getvalue())
        names = ["manifest.json", "manifest.csv"]
        self.manifest["extra"] = sorted(set(self.manifest.get("extra", [])) | set(names))
        members = [job.photo_id for job in jobs]
        return [(name, "manifest", members) for name in names]

    def _write_zips(
        self, groups: list[tuple[str, str, list[_Job]]]
    ) -> list[tuple[str, str, list[int]]]:
        """One zip per album of its largest JPEGs, for "download all"."""
        written = []
        for _, album_slug, members in groups:
            name = f"{album_slug}.zip"
            temp = self.out / f".{name}.tmp"
            with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_STORED) as archive:
                for job in members:
                    jpegs = [f for f in self.results[job.photo_id] if f.format == "jpeg"]
                    if jpegs:
                        largest = max(jpegs, key=lambda f: f.width)
                        archive.write(self.out / largest.path, arcname=Path(largest.path).name)
            os.replace(temp, self.out / name)
            written.append((name, "archive", [job.photo_id for job in members]))
        self.manifest["extra"] = sorted(
            set(self.manifest.get("extra", [])) | {name for name, _, _ in written}
        )
        return written

    # -- bookkeeping ------------------------------------------------------------------------

    def _remove_stale_extras(self) -> list[str]:
        """Pages, zips and manifests of an earlier export that this one did not make again
        (another preset, no zip this time) must not linger with old photos in them."""
        previous = set(self._previous_extra)
        current = set(self.manifest.get("extra", []))
        removed = []
        for path in sorted(previous - current):
            if _inside(self.out, path) and (self.out / path).is_file():
                (self.out / path).unlink()
                removed.append(path)
        return removed

    def _sweep_temporary_files(self) -> None:
        """A worker killed mid-write (time limit, cancel, power) leaves a hidden temporary file,
        never a half-written file under a final name; clear those away."""
        for folder in (self.out, self.images_dir):
            for leftover in folder.glob(".*.tmp"):
                leftover.unlink(missing_ok=True)

    def _read_manifest(self) -> dict[str, Any]:
        path = self.out / MANIFEST_NAME
        if not path.exists():
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("version") != RENDERER_VERSION:
            return {}
        return data

    def _write_manifest(
        self,
        jobs: list[_Job],
        current: dict[str, list[RenderedFile]],
        keep_previous: dict[str, Any],
    ) -> None:
        keys = {str(j.photo_id): j.key for j in jobs}
        photos_entry = dict(keep_previous)
        for photo_id, files in current.items():
            photos_entry[photo_id] = {
                "key": keys[photo_id],
                "files": [dataclasses.asdict(f) for f in files],
            }
        data = {
            "version": RENDERER_VERSION,
            "app": "Gallery Curator",
            "preset": self.preset.name,
            "photos": photos_entry,
            "extra": self.manifest.get("extra", []),
        }
        _atomic_write(self.out / MANIFEST_NAME, json.dumps(data, indent=1))

    def _record(
        self,
        summary: ExportSummary,
        current: dict[str, list[RenderedFile]],
        pages: dict[int, list[str]],
        extra: list[tuple[str, str, list[int]]],
    ) -> int:
        return self.access.run(lambda p: self._record_in(p.conn, summary, current, pages, extra))

    def _record_in(
        self,
        conn: sqlite3.Connection,
        summary: ExportSummary,
        current: dict[str, list[RenderedFile]],
        pages: dict[int, list[str]],
        extra: list[tuple[str, str, list[int]]],
    ) -> int:
        """The export's records, in one transaction (one unit of catalog work)."""
        now = now_iso()
        with transaction(conn):
            # The files of earlier exports to this folder are now either this export's files
            # or gone: only the newest record of a folder is what is on it.
            conn.execute(
                "UPDATE export_files SET removed_at = ? WHERE removed_at IS NULL AND export_id IN"
                " (SELECT id FROM exports WHERE out_dir = ?)",
                (now, str(self.out)),
            )
            cursor = conn.execute(
                "INSERT INTO exports (created_at, preset, use, out_dir, actor, summary)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    now,
                    self.preset.name,
                    self.preset.use,
                    str(self.out),
                    audit.current_actor(),
                    json.dumps(
                        {
                            "exported": len(summary.exported),
                            "excluded": len(summary.excluded),
                            "cancelled": summary.cancelled,
                        }
                    ),
                ),
            )
            export_id = int(cursor.lastrowid or 0)
            rows: list[tuple[Any, ...]] = []
            for photo_id_text, files in current.items():
                photo_id = int(photo_id_text)
                for f in files:
                    rows.append((export_id, photo_id, f.path, "image", f.format, f.width, f.sha256))
                for page in pages.get(photo_id, []):
                    rows.append((export_id, photo_id, page, "page", "html", None, None))
                for path, kind, members in extra:
                    if photo_id in members:
                        rows.append((export_id, photo_id, path, kind, None, None, None))
            conn.executemany(
                "INSERT OR IGNORE INTO export_files (export_id, photo_id, path, kind, format,"
                " width, sha256) VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            audit.record(
                conn,
                action="export",
                subject=f"export:{export_id}",
                details={
                    "preset": self.preset.name,
                    "use": self.preset.use,
                    "out_dir": str(self.out),
                    "exported": len(summary.exported),
                    "excluded": len(summary.excluded),
                    "overridden": [
                        p.photo_id for p in self.plan.photos if p.decision.overridden is not None
                    ],
                    "removed": len(summary.removed),
                    "cancelled": summary.cancelled,
                },
            )
        return export_id

    def write_report(self, summary: ExportSummary) -> None:
        """The report of what went out and what was left out, kept in the project."""
        reports = self.project.exports_dir / "reports"
        reports.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        base = reports / f"{stamp}-export-{summary.export_id}-{self.preset.name}"
        titles: dict[int, str] = self.access.run(
            lambda p: {
                row[0]: row[1]
                for row in p.conn.execute(
                    "SELECT id, coalesce(title, headline, caption, original_name) FROM photos"
                )
            }
        )
        overridden = [
            {"id": p.photo_id, "reasons": list(p.decision.reasons)}
            for p in self.plan.photos
            if p.exported and p.decision.overridden is not None
        ]
        document = {
            **summary.to_dict(),
            "overridden": overridden,
            "titles": {str(k): titles.get(k) for k in summary.exported},
            "created_at": now_iso(),
        }
        json_path = base.with_suffix(".json")
        html_path = base.with_suffix(".html")
        summary.report = str(json_path)
        summary.report_html = str(html_path)
        document["report"] = summary.report
        document["report_html"] = summary.report_html
        _atomic_write(json_path, json.dumps(document, ensure_ascii=False, indent=2))
        _atomic_write(html_path, _render_report_html(document, titles, self.defaults.event_name))


def _render_report_html(document: dict[str, Any], titles: dict[int, str], event: str) -> str:
    """The human-readable report, from a template an organisation can restyle."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(resources_dir() / "reports"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    template = env.get_template("export-report.html.j2")
    return template.render(doc=document, titles=titles, event=event)


def _middle(items: list[tuple[str, int]]) -> str:
    """A mid-size JPEG for ``<img src>``: good on any screen when srcset is not understood."""
    fitting = [path for path, width in items if width <= 1600]
    return fitting[-1] if fitting else items[0][0]


def _inside(root: Path, relative: str) -> bool:
    if relative.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", relative):
        return False
    target = (root / relative).resolve()
    return root.resolve() in target.parents


def _csv_safe(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _atomic_write(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def takedown_list(rows: Iterable[dict[str, Any]]) -> list[str]:
    """Flatten a withdrawal's export entries into absolute paths (for the GUI's copy button)."""
    return [str(Path(row["out_dir"]) / path) for row in rows for path in row["files"]]
