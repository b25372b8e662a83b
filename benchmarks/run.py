"""``python -m benchmarks``: every benchmark in one run, a table of ratios, JSON results.

Timing design (see ``../shared/research/performance.md``): this is a shared 2-core VM whose
speed drifts by up to ~25 % between batches, so the import is measured as **paired,
interleaved** whole-process runs (baseline, ours, baseline, ours, …) and compared by ratio;
before each run the harness waits (bounded) for the machine to be mostly idle and records
how much CPU other processes used during the run. Every figure printed is a ratio against
the baseline or against the issue's target, never a bare time.

The harness fails loudly (exit status 1) when our code errors, when an import does not
import every photo or leaves a grid thumbnail missing, or when first paint misses a
thumbnail. Missed targets are reported in the table; with ``--strict`` they also make the
exit status 3.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import PIL
from PIL import features

from benchmarks._util import last_json_line, machine_cpu_times, median, wait_for_idle
from benchmarks.corpus import corpus_dir, corpus_files, ensure_corpus
from benchmarks.proctree import TreeWatcher

RESULTS_DIR = Path(__file__).resolve().parent / "results"
REPO_ROOT = Path(__file__).resolve().parent.parent

IMPORT_TARGET = 3.5  # × faster than the baseline loop
FIRST_PAINT_TARGET_S = 1.0  # for 100 photos
OPEN_TARGET_S = 1.0
LIST_TARGET_S = 0.050


BENCHMARKS = ("import", "first-paint", "catalog", "export", "sigal", "reexport", "gui")


class BenchmarkError(Exception):
    """Our code failed or produced the wrong result: the benchmark must not report success."""


@dataclass
class Row:
    """One line of the printed table."""

    benchmark: str
    ours: str
    reference: str
    ratio: float | None
    ratio_label: str
    target: str
    ok: bool | None


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def missed(self) -> list[Row]:
        return [r for r in self.rows if r.ok is False]


# --------------------------------------------------------------------------------------------
# Running child processes
# --------------------------------------------------------------------------------------------


def _child_env() -> dict[str, str]:
    """The children's environment: the repository importable, and bytecode caching on.

    An installed app has compiled ``.pyc`` files; with ``PYTHONDONTWRITEBYTECODE`` set (as in
    some development shells) every run would compile the sources again and charge that to
    start-up — of the import's main process and of every worker. The warm-up run writes the
    (gitignored) ``__pycache__`` folders.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


def _run(cmd: list[str], *, what: str, watch: bool = False) -> tuple[float, str, dict[str, Any]]:
    """Run a command to completion; return (wall seconds, stdout, load info). Raise on failure.

    Load info: CPU seconds the command tree used and CPU seconds the rest of the machine used
    meanwhile (from ``/proc/stat``), so a disturbed run can be recognised in the JSON. With
    ``watch``, also the peak RSS of every process of the command's tree (``tree``, see
    :mod:`benchmarks.proctree`): how the export's and sigal's workers are measured.
    """
    kids_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    machine_before = machine_cpu_times()
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_child_env(),
        cwd=REPO_ROOT,
    )
    watcher = TreeWatcher(proc.pid, interval_s=0.2).start() if watch else None
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - started
    orphans = _reap_orphans()
    tree = watcher.stop() if watcher is not None else None
    machine_after = machine_cpu_times()
    kids_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise BenchmarkError(
            f"{what} failed with exit status {proc.returncode}: {' '.join(cmd)}\n"
            f"--- stderr ---\n{stderr.strip()[-4000:]}\n"
            f"--- stdout ---\n{stdout.strip()[-2000:]}"
        )
    own = (kids_after.ru_utime + kids_after.ru_stime) - (
        kids_before.ru_utime + kids_before.ru_stime
    )
    load: dict[str, Any] = {"cpu_s": round(own, 3)}
    if machine_before is not None and machine_after is not None:
        tick = os.sysconf("SC_CLK_TCK")
        busy = (machine_after[0] - machine_before[0]) / tick
        load["others_cpu_s"] = round(max(0.0, busy - own), 3)
    if tree is not None:
        load["tree"] = tree
    if orphans:
        load["orphans_reaped"] = orphans
    return wall, stdout, load


def _become_subreaper() -> bool:
    """Adopt our children's orphans (Linux ``PR_SET_CHILD_SUBREAPER``), so their CPU counts.

    A command's ``multiprocessing`` forkserver — the parent of the export's workers — is never
    waited for by the command: it exits on its own after the command has. Without this, it
    would be re-parented to init and its CPU (with its workers') would be charged to "other
    processes" instead of to the command; as our subreaper, this process reaps it and
    ``RUSAGE_CHILDREN`` includes it. Returns whether it worked (it is a no-op off Linux).
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    pr_set_child_subreaper = 36
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(pr_set_child_subreaper, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _reap_orphans(timeout_s: float = 10.0) -> int:
    """Wait (bounded) for adopted orphans — a finished command's forkserver and resource
    tracker, which exit once they see it gone — and reap them; return how many."""
    reaped = 0
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:  # no children left
            return reaped
        if pid:
            reaped += 1
        elif time.monotonic() > deadline:
            return reaped
        else:
            time.sleep(0.01)


def _py(*args: str) -> list[str]:
    return [sys.executable, *args]


# --------------------------------------------------------------------------------------------
# (a) Import: baseline loop vs gallery_app import, paired and interleaved
# --------------------------------------------------------------------------------------------


def _baseline_run(corpus: Path, work: Path, index: int, count: int) -> dict[str, Any]:
    out = work / f"baseline-{index}"
    wall, stdout, load = _run(
        _py("-m", "benchmarks.baseline", str(corpus), str(out)), what="baseline loop"
    )
    result = last_json_line(stdout)
    if result["photos"] != count:
        raise BenchmarkError(f"baseline saw {result['photos']} photos, expected {count}")
    shutil.rmtree(out, ignore_errors=True)
    return {"wall_s": round(wall, 3), **result, **load}


def _verify_project(project: Path, count: int) -> None:
    """Every photo is in the catalog and has every grid thumbnail on disk (checked by a child
    process, so with the same code as the import even while the tree is being edited)."""
    _run(
        _py("-m", "benchmarks.verify", str(project), str(count)),
        what="checking the imported project",
    )


def _ours_run(
    corpus: Path, work: Path, index: int, count: int, *, reference: bool = False
) -> dict[str, Any]:
    project = work / f"project-{index}{'-reference' if reference else ''}"
    _run(
        _py("-m", "gallery_app", "init", str(project), "--event", "Benchmark", "--json"),
        what="gallery-app init",
    )
    usage_file = work / f"usage-{index}.json"
    wall, stdout, load = _run(
        _py(
            "-m",
            "benchmarks.probe",
            str(usage_file),
            "gallery_app",
            "import",
            str(project),
            str(corpus),
            "--json",
            *(["--reference"] if reference else []),
        ),
        what="gallery-app import",
        watch=True,
    )
    try:
        summary = json.loads(stdout)
    except json.JSONDecodeError as exc:
        raise BenchmarkError(
            f"gallery-app import --json printed no JSON: {stdout[:500]!r}"
        ) from exc
    imported = summary.get("imported")
    n_imported = imported if isinstance(imported, int) else len(imported or [])
    if n_imported != count or summary.get("failed"):
        raise BenchmarkError(
            f"import imported {n_imported} of {count} photos; failed: {summary.get('failed')}"
        )
    _verify_project(project, count)
    usage = json.loads(usage_file.read_text())
    # getrusage only sees waited-for children; forkserver-made workers are not the import's.
    tree = load.pop("tree", {})
    usage["largest_child_peak_rss_mib"] = max(
        usage["largest_child_peak_rss_mib"], tree.get("largest_worker_peak_rss_mib") or 0.0
    )
    usage["worker_peak_rss_mib"] = tree.get("worker_peak_rss_mib")
    shutil.rmtree(project, ignore_errors=True)
    return {"wall_s": round(wall, 3), "import_seconds": summary.get("seconds"), **usage, **load}


def _source_folder(corpus: Path, count: int, work: Path) -> Path:
    """A folder holding exactly the first ``count`` corpus photos (hard links if fewer)."""
    files = corpus_files(corpus, count)
    if len(list(corpus.glob("*.jpg"))) == count:
        return corpus
    subset = work / "source"
    subset.mkdir()
    for path in files:
        try:
            os.link(path, subset / path.name)
        except OSError:
            shutil.copy2(path, subset / path.name)
    return subset


def _disturbed(run: dict[str, Any]) -> bool:
    """Did other processes use more than 15 % of the machine during this run?

    The baseline uses one core and ours two, so a neighbour's load distorts the ratio in a
    direction that depends on who it hit; such pairs are re-run rather than averaged in.
    """
    cpus = os.cpu_count() or 1
    others = float(run.get("others_cpu_s", 0.0))
    return others > 0.15 * float(run["wall_s"]) * cpus or float(run["idle_before"]) < 0.85


def bench_import(corpus: Path, count: int, pairs: int, report: Report) -> None:
    work = Path(tempfile.mkdtemp(prefix="gallery-bench-import-"))
    attempts: list[tuple[dict[str, Any], dict[str, Any]]] = []
    clean: list[tuple[dict[str, Any], dict[str, Any]]] = []
    try:
        corpus = _source_folder(corpus, count, work)
        print("import: warm-up run of ours (page cache, imports) ...", flush=True)
        _ours_run(corpus, work, -1, count)
        max_attempts = 3 * pairs
        while len(clean) < pairs and len(attempts) < max_attempts:
            i = len(attempts)
            idle_a = wait_for_idle()
            a = _baseline_run(corpus, work, i, count)
            a["idle_before"] = idle_a
            idle_b = wait_for_idle()
            b = _ours_run(corpus, work, i, count)
            b["idle_before"] = idle_b
            # The same import leaving the files where they are: what the copy (and making it
            # durable) costs, since the baseline loop copies nothing. Reported, not the target.
            idle_c = wait_for_idle()
            c = _ours_run(corpus, work, i, count, reference=True)
            c["idle_before"] = idle_c
            b["reference_run"] = c
            disturbed = _disturbed(a) or _disturbed(b) or _disturbed(c)
            a["disturbed"] = b["disturbed"] = disturbed
            attempts.append((a, b))
            if not disturbed:
                clean.append((a, b))
            print(
                f"import pair {i + 1} ({len(clean)}/{pairs} clean): baseline {a['wall_s']:.2f} s,"
                f" ours {b['wall_s']:.2f} s, ratio {a['wall_s'] / b['wall_s']:.2f}×"
                f" (--reference {c['wall_s']:.2f} s, {a['wall_s'] / c['wall_s']:.2f}×)"
                + ("  [disturbed by other processes: re-running]" if disturbed else ""),
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    busy = len(clean) < pairs
    runs = attempts if busy else clean
    base_walls = [a["wall_s"] for a, _ in runs]
    our_walls = [b["wall_s"] for _, b in runs]
    pair_ratios = [a["wall_s"] / b["wall_s"] for a, b in runs]
    ratio = median(pair_ratios)
    main_rss = max(b["main_peak_rss_mib"] for _, b in attempts)
    worker_rss = max(b["largest_child_peak_rss_mib"] for _, b in attempts)
    base_rss = max(a["main_peak_rss_mib"] for a, _ in attempts)
    our_cpu = median([b["cpu_s"] for _, b in runs])
    base_cpu = median([a["cpu_s"] for a, _ in runs])
    reference_ratios = [a["wall_s"] / b["reference_run"]["wall_s"] for a, b in runs]
    reference_walls = [b["reference_run"]["wall_s"] for _, b in runs]
    report.data["import"] = {
        "photos": count,
        "attempts": [{"baseline": a, "ours": b} for a, b in attempts],
        "pairs_used": "all attempts (machine too busy)" if busy else "undisturbed pairs",
        "baseline_median_wall_s": median(base_walls),
        "ours_median_wall_s": median(our_walls),
        "ratio_of_medians": round(median(base_walls) / median(our_walls), 3),
        "pair_ratios": [round(r, 3) for r in pair_ratios],
        "median_pair_ratio": round(ratio, 3),
        "reference_pair_ratios": [round(r, 3) for r in reference_ratios],
        "reference_median_pair_ratio": round(median(reference_ratios), 3),
        "baseline_cpu_s_per_photo": round(base_cpu / count, 4),
        "ours_cpu_s_per_photo": round(our_cpu / count, 4),
        "ours_main_peak_rss_mib": main_rss,
        "ours_largest_worker_peak_rss_mib": worker_rss,
        "baseline_peak_rss_mib": base_rss,
    }
    note = " — MACHINE BUSY, pairs disturbed" if busy else ""
    report.rows.append(
        Row(
            f"import {count} × 24 MP, grid thumbnails done ({len(runs)} pairs, median of "
            f"pair ratios){note}",
            f"{median(our_walls):.2f} s ({1000 * median(our_walls) / count:.0f} ms/photo)",
            f"baseline loop {median(base_walls):.2f} s",
            ratio,
            "× faster",
            f"≥ {IMPORT_TARGET}×",
            ratio >= IMPORT_TARGET,
        )
    )
    report.rows.append(
        Row(
            "  per-pair ratios; ratio of medians",
            "",
            ", ".join(f"{r:.2f}" for r in pair_ratios),
            median(base_walls) / median(our_walls),
            "× faster",
            "",
            None,
        )
    )
    report.rows.append(
        Row(
            "  the same with --reference (no copy; the baseline copies nothing)",
            f"{median(reference_walls):.2f} s",
            ", ".join(f"{r:.2f}" for r in reference_ratios),
            median(reference_ratios),
            "× faster",
            "reported",
            None,
        )
    )
    report.rows.append(
        Row(
            "  CPU time per photo (all processes)",
            f"{1000 * our_cpu / count:.0f} ms",
            f"baseline {1000 * base_cpu / count:.0f} ms",
            base_cpu / our_cpu,
            "× less CPU",
            "reported",
            None,
        )
    )
    report.rows.append(
        Row(
            "  peak RSS: import main / largest worker",
            f"{main_rss:.0f} / {worker_rss:.0f} MiB",
            f"baseline {base_rss:.0f} MiB",
            base_rss / max(main_rss, worker_rss),
            "× baseline's / ours",
            "reported",
            None,
        )
    )


# --------------------------------------------------------------------------------------------
# (b) First paint
# --------------------------------------------------------------------------------------------


def bench_first_paint(corpus: Path, count: int, report: Report) -> None:
    wait_for_idle()
    _, stdout, load = _run(
        _py("-m", "benchmarks.first_paint", str(corpus), "--count", str(count)),
        what="first paint (extract_embedded_thumbnail)",
    )
    result = {**last_json_line(stdout), **load}
    report.data["first_paint"] = result
    seconds = float(result["with_header_median_s"])
    report.rows.append(
        Row(
            f"first paint: {count} embedded EXIF thumbnails (header read + extract)",
            f"{seconds:.3f} s ({result['ms_per_photo']:.2f} ms/photo)",
            f"target {FIRST_PAINT_TARGET_S:.1f} s",
            FIRST_PAINT_TARGET_S / seconds,
            "× under target",
            f"< {FIRST_PAINT_TARGET_S:.0f} s",
            seconds < FIRST_PAINT_TARGET_S,
        )
    )
    base = report.data.get("import", {}).get("baseline_median_wall_s")
    if base:
        report.rows.append(
            Row(
                "  first paint vs the baseline loop's thumbnails",
                f"{seconds:.3f} s",
                f"baseline {base:.2f} s",
                base / seconds,
                "× sooner",
                "reported",
                None,
            )
        )


# --------------------------------------------------------------------------------------------
# (c) Catalog of 20,000 photos
# --------------------------------------------------------------------------------------------


def bench_catalog(size: int, runs: int, report: Report) -> None:
    work = Path(tempfile.mkdtemp(prefix="gallery-bench-catalog-"))
    project = work / "project"
    try:
        print(f"catalog: building a project with {size} photos ...", flush=True)
        _, stdout, _ = _run(
            _py("-m", "benchmarks.catalog_bench", "build", str(project), "--count", str(size)),
            what="catalog build (photos.insert_photo)",
        )
        built = last_json_line(stdout)
        measures = []
        for i in range(runs):
            wait_for_idle()
            _, stdout, load = _run(
                _py("-m", "benchmarks.catalog_bench", "measure", str(project), "--repeat", "3"),
                what="catalog measure",
            )
            measures.append({**last_json_line(stdout), **load})
            print(f"catalog: measure run {i + 1}/{runs} done", flush=True)
        cli_walls = []
        for _ in range(3):
            wall, stdout, _ = _run(
                _py("-m", "gallery_app", "info", str(project), "--json"), what="gallery-app info"
            )
            if json.loads(stdout).get("photos") != size:
                raise BenchmarkError(f"gallery-app info does not report {size} photos")
            cli_walls.append(wall)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def med(get: Any) -> float:
        return median([float(get(m)) for m in measures])

    open_s = med(lambda m: m["open_s"])
    report.data["catalog"] = {
        "build": built,
        "measures": measures,
        "open_median_s": open_s,
        "cli_info_wall_s": [round(w, 3) for w in cli_walls],
    }
    report.rows.append(
        Row(
            f"catalog {size}: open project (open_project + info)",
            f"{open_s * 1000:.1f} ms",
            f"target {OPEN_TARGET_S:.0f} s",
            OPEN_TARGET_S / open_s,
            "× under target",
            f"< {OPEN_TARGET_S:.0f} s",
            open_s < OPEN_TARGET_S,
        )
    )
    cli = median(cli_walls)
    report.rows.append(
        Row(
            "  whole `gallery-app info --json` process",
            f"{cli * 1000:.0f} ms",
            f"target {OPEN_TARGET_S:.0f} s",
            OPEN_TARGET_S / cli,
            "× under target",
            f"< {OPEN_TARGET_S:.0f} s",
            cli < OPEN_TARGET_S,
        )
    )
    for label in measures[0]["queries"]:
        for fn, title in (("list_photos", "list_photos"), ("ids", "list_photo_ids")):
            rows = measures[0]["queries"][label][fn]["rows"]
            first = med(lambda m, lb=label, f=fn: m["queries"][lb][f]["first_s"])
            warm = med(lambda m, lb=label, f=fn: m["queries"][lb][f]["median_s"])
            worst = max(first, warm)
            # The grid lists ids (what the 50 ms target is about) and reads only the rows on
            # screen; full summary dicts of every row are the CLI's `photos` output, reported.
            is_listing = fn == "ids"
            report.rows.append(
                Row(
                    f"catalog {size}: {title}({label}) → {rows} rows"
                    + ("" if is_listing else " (full rows, CLI output)"),
                    f"first {first * 1000:.1f} ms, then {warm * 1000:.1f} ms",
                    f"target {LIST_TARGET_S * 1000:.0f} ms",
                    LIST_TARGET_S / worst,
                    "× under target",
                    f"< {LIST_TARGET_S * 1000:.0f} ms" if is_listing else "reported",
                    (worst < LIST_TARGET_S) if is_listing else None,
                )
            )
    rss_open = med(lambda m: m["rss_after_open_mib"])
    rss_all = med(lambda m: m["rss_holding_all_rows_mib"])
    rss_start = med(lambda m: m["rss_start_mib"])
    report.rows.append(
        Row(
            f"catalog {size}: RSS after open / holding all rows",
            f"{rss_open:.0f} / {rss_all:.0f} MiB",
            f"bare interpreter {rss_start:.0f} MiB",
            rss_all / rss_start,
            "× bare interpreter",
            "reported",
            None,
        )
    )


# --------------------------------------------------------------------------------------------
# (d) Export: website preset vs the plain-Pillow baseline, vs sigal, and re-export
# --------------------------------------------------------------------------------------------

Runner = Callable[[int], dict[str, Any]]
"""One timed run of a round: takes the round's number, returns its figures."""

EXPORT_TARGET = 5.0  # × faster than the one-process baseline (issue 4)
SIGAL_TARGET = 2.0  # × faster than sigal on the same outputs
REEXPORT_TARGET_S = 2.0  # for 1,000 unchanged photos
EXPORT_COUNT = 50  # 24 MP photos, the first of the cached corpus
REEXPORT_COUNT = 1000
WEBSITE_ARGS = ("--preset", "website", "--widths", "2400,1600,960,480", "--formats", "jpeg,webp")
SIGAL_LIKE_ARGS = ("--preset", "website", "--widths", "2048,280", "--formats", "jpeg")


def _prepare_export_project(source: Path, project: Path, count: int) -> None:
    """A fresh project holding ``source`` with every photo cleared by the consent gate.

    Not timed: ``gallery-app init`` and ``import`` as a user runs them, then the core edit
    use case marks every photo "no identifiable people" (``benchmarks.export_bench clear``).
    """
    _run(
        _py("-m", "gallery_app", "init", str(project), "--event", "Benchmark", "--json"),
        what="gallery-app init",
    )
    _, stdout, _ = _run(
        _py("-m", "gallery_app", "import", str(project), str(source), "--json"),
        what="gallery-app import (preparing the export project)",
    )
    imported = json.loads(stdout).get("imported")
    n_imported = imported if isinstance(imported, int) else len(imported or [])
    if n_imported != count:
        raise BenchmarkError(f"preparing the export: imported {n_imported} of {count} photos")
    _, stdout, _ = _run(
        _py("-m", "benchmarks.export_bench", "clear", str(project)),
        what="marking the photos 'no identifiable people'",
    )
    if last_json_line(stdout)["photos"] != count:
        raise BenchmarkError(f"the export project does not hold {count} photos")


def _ours_export(
    project: Path,
    out: Path,
    usage_file: Path,
    args: tuple[str, ...],
    *,
    count: int,
    expect_images: int | None,
    expect_rendered: int,
) -> dict[str, Any]:
    """One whole ``gallery-app export`` process (through ``benchmarks.probe``), checked.

    Fails the benchmark when the export fails a photo, leaves one out, renders a different
    number than expected (all in a fresh folder, none in an unchanged one) or reports a file
    that is not on disk.
    """
    wall, stdout, load = _run(
        _py(
            "-m",
            "benchmarks.probe",
            str(usage_file),
            "gallery_app",
            "export",
            str(project),
            str(out),
            *args,
            "--json",
        ),
        what="gallery-app export",
        watch=True,
    )
    try:
        summary = json.loads(stdout)
    except json.JSONDecodeError as exc:
        raise BenchmarkError(
            f"gallery-app export --json printed no JSON: {stdout[:500]!r}"
        ) from exc
    problems = []
    if summary.get("failed"):
        problems.append(f"failed photos: {summary['failed'][:3]}")
    if len(summary.get("exported", [])) != count:
        problems.append(f"exported {len(summary.get('exported', []))} of {count} photos")
    if summary.get("excluded"):
        problems.append(f"{len(summary['excluded'])} photos excluded by the gate")
    if summary.get("rendered") != expect_rendered:
        problems.append(f"rendered {summary.get('rendered')} photos, expected {expect_rendered}")
    if summary.get("cancelled"):
        problems.append("the export reports itself cancelled")
    files = summary.get("files", [])
    missing = [f for f in files if not (out / f).is_file()]
    if missing:
        problems.append(f"{len(missing)} reported files missing, e.g. {missing[0]}")
    images = [f for f in files if f.startswith("images/")]
    if expect_images is not None and len(images) != expect_images:
        problems.append(f"{len(images)} image files, expected {expect_images}")
    if problems:
        raise BenchmarkError("gallery-app export: " + "; ".join(problems))
    usage = json.loads(usage_file.read_text())
    tree = load.pop("tree", {})
    return {
        "wall_s": round(wall, 3),
        "export_seconds": summary.get("seconds"),
        "rendered": summary.get("rendered"),
        "reused": summary.get("reused"),
        "removed": len(summary.get("removed", [])),
        "files": len(files),
        "images": len(images),
        "output_mib": round(sum((out / f).stat().st_size for f in images) / 2**20, 1),
        **usage,
        "workers": tree.get("workers"),
        "worker_peak_rss_mib": tree.get("worker_peak_rss_mib"),
        "largest_worker_peak_rss_mib": tree.get("largest_worker_peak_rss_mib"),
        "forkserver_peak_rss_mib": tree.get("forkserver_peak_rss_mib"),
        **load,
    }


def _option(args: tuple[str, ...], name: str) -> str:
    return args[args.index(name) + 1]


def _planned_images(source: Path, args: tuple[str, ...]) -> int:
    """How many image files ``args`` make from ``source`` (from the headers, by the preset's
    sizing rule as the baseline implements it); both sides of a pair are checked against it."""
    _, stdout, _ = _run(
        _py(
            "-m",
            "benchmarks.export_baseline",
            str(source),
            "-",
            "--plan-only",
            "--widths",
            _option(args, "--widths"),
            "--formats",
            _option(args, "--formats"),
        ),
        what="counting the files to expect",
    )
    return int(last_json_line(stdout)["files"])


def _export_baseline_run(source: Path, out: Path, count: int, expect: int) -> dict[str, Any]:
    wall, stdout, load = _run(
        _py(
            "-m",
            "benchmarks.export_baseline",
            str(source),
            str(out),
            "--widths",
            _option(WEBSITE_ARGS, "--widths"),
            "--formats",
            _option(WEBSITE_ARGS, "--formats"),
        ),
        what="export baseline loop",
    )
    result = last_json_line(stdout)
    if result["photos"] != count or result["files"] != expect:
        raise BenchmarkError(
            f"export baseline made {result['files']} files from {result['photos']} photos,"
            f" expected {expect} from {count}"
        )
    output_mib = sum(p.stat().st_size for p in out.iterdir()) / 2**20
    return {"wall_s": round(wall, 3), **result, "output_mib": round(output_mib, 1), **load}


def _sigal_run(config: Path, source: Path, out: Path, count: int) -> dict[str, Any]:
    from benchmarks.sigal_run import build_command

    wall, _, load = _run(build_command(config, source, out), what="sigal build", watch=True)
    _run(_py("-m", "benchmarks.sigal_run", "check", str(out), str(count)), what="sigal output")
    tree = load.pop("tree", {})
    images = list(out.glob("*.jpg")) + list((out / "thumbnails").glob("*.jpg"))
    return {
        "wall_s": round(wall, 3),
        "output_mib": round(sum(p.stat().st_size for p in images) / 2**20, 1),
        "main_peak_rss_mib": tree.get("root_peak_rss_mib"),
        "workers": tree.get("workers"),
        "worker_peak_rss_mib": tree.get("worker_peak_rss_mib"),
        "largest_worker_peak_rss_mib": tree.get("largest_worker_peak_rss_mib"),
        **load,
    }


def _interleaved(
    name: str,
    runners: dict[str, Runner],
    pairs: int,
    attempts: list[dict[str, dict[str, Any]]],
) -> tuple[list[dict[str, dict[str, Any]]], bool]:
    """Run each of ``runners`` once per round, in order, for ``pairs`` undisturbed rounds.

    Like the import benchmark: wait for an idle machine before every run, re-run a round in
    which other processes used more than 15 % of the machine (at most ``3 × pairs`` rounds).
    Every round is appended to ``attempts`` as it ends (so the JSON keeps the rounds before a
    failure). Returns (the rounds to use, machine too busy).
    """
    clean: list[dict[str, dict[str, Any]]] = []
    while len(clean) < pairs and len(attempts) < 3 * pairs:
        i = len(attempts)
        round_: dict[str, dict[str, Any]] = {}
        for label, runner in runners.items():
            idle = wait_for_idle()
            result = runner(i)
            result["idle_before"] = idle
            round_[label] = result
        disturbed = any(_disturbed(r) for r in round_.values())
        for r in round_.values():
            r["disturbed"] = disturbed
        attempts.append(round_)
        if not disturbed:
            clean.append(round_)
        walls = ", ".join(f"{label} {r['wall_s']:.2f} s" for label, r in round_.items())
        print(
            f"{name} round {i + 1} ({len(clean)}/{pairs} clean): {walls}"
            + ("  [disturbed by other processes: re-running]" if disturbed else ""),
            flush=True,
        )
    busy = len(clean) < pairs
    return (attempts if busy else clean), busy


def _ratio_rows(
    report: Report,
    title: str,
    rounds: list[dict[str, dict[str, Any]]],
    *,
    ours: str,
    other: str,
    other_label: str,
    target: float | None,
    count: int,
) -> float:
    """The headline row (median of per-round ratios) and the per-round detail rows."""
    pair_ratios = [r[other]["wall_s"] / r[ours]["wall_s"] for r in rounds]
    ratio = median(pair_ratios)
    our_wall = median([r[ours]["wall_s"] for r in rounds])
    other_wall = median([r[other]["wall_s"] for r in rounds])
    report.rows.append(
        Row(
            title,
            f"{our_wall:.2f} s ({1000 * our_wall / count:.0f} ms/photo)",
            f"{other_label} {other_wall:.2f} s",
            ratio,
            "× faster",
            f"≥ {target}×" if target else "reported",
            ratio >= target if target else None,
        )
    )
    report.rows.append(
        Row(
            "  per-round ratios; ratio of medians",
            "",
            ", ".join(f"{r:.2f}" for r in pair_ratios),
            other_wall / our_wall,
            "× faster",
            "",
            None,
        )
    )
    our_cpu = median([r[ours]["cpu_s"] for r in rounds])
    other_cpu = median([r[other]["cpu_s"] for r in rounds])
    report.rows.append(
        Row(
            "  CPU time per photo (all processes)",
            f"{1000 * our_cpu / count:.0f} ms",
            f"{other_label} {1000 * other_cpu / count:.0f} ms",
            other_cpu / our_cpu,
            "× less CPU",
            "reported",
            None,
        )
    )
    return ratio


def _rss_row(report: Report, label: str, ours: list[dict[str, Any]], other: str) -> None:
    main_rss = max(r["main_peak_rss_mib"] for r in ours)
    workers = [r["largest_worker_peak_rss_mib"] for r in ours if r["largest_worker_peak_rss_mib"]]
    worker_rss = max(workers) if workers else float("nan")
    report.rows.append(
        Row(label, f"{main_rss:.0f} / {worker_rss:.0f} MiB", other, None, "", "reported", None)
    )


def _stage_breakdown(source: Path, report: Report, args: tuple[str, ...], what: str) -> None:
    """Where one photo's render time goes (one process), added to the table and the JSON."""
    widths = _option(args, "--widths")
    formats = _option(args, "--formats")
    wait_for_idle()
    _, stdout, _ = _run(
        _py(
            "-m",
            "benchmarks.export_bench",
            "stages",
            str(source),
            "--count",
            "10",
            "--widths",
            widths,
            "--formats",
            formats,
        ),
        what="export stage breakdown",
    )
    result = last_json_line(stdout)
    report.data.setdefault("export_stages", {})[what] = result
    total = result["sum_of_stage_medians_ms"]
    report.rows.append(
        Row(
            f"  {what}: render_photo, one process (median of {result['photos']})",
            f"{result['render_photo_ms']:.0f} ms/photo",
            f"sum of stages {total:.0f} ms",
            None,
            "",
            "reported",
            None,
        )
    )
    for shape, info in result["render_photo_ms_by_shape"].items():
        decoded = "×".join(map(str, result["decoded_size"][shape]))
        report.rows.append(
            Row(
                f"    render_photo, {shape} frames ({info['photos']})",
                f"{info['median_ms']:.0f} ms/photo",
                f"decoded at {decoded}",
                None,
                "",
                "",
                None,
            )
        )
    for stage, ms in sorted(result["stage_median_ms"].items(), key=lambda kv: -kv[1]):
        report.rows.append(
            Row(
                f"    {stage}",
                f"{ms:.0f} ms",
                f"{100 * ms / total:.0f} % of stages",
                None,
                "",
                "",
                None,
            )
        )


def bench_export(corpus: Path, count: int, pairs: int, report: Report, *, profile: bool) -> None:
    """Website preset, 50 × 24 MP: ``gallery-app export`` vs the plain-Pillow baseline loop."""
    work = Path(tempfile.mkdtemp(prefix="gallery-bench-export-"))
    try:
        source = _source_folder(corpus, count, work)
        project = work / "project"
        print(f"export: preparing a project with {count} photos (not timed) ...", flush=True)
        _prepare_export_project(source, project, count)
        expect = _planned_images(source, WEBSITE_ARGS)

        def ours(i: int) -> dict[str, Any]:
            out = work / f"out-{i}"
            try:
                return _ours_export(
                    project,
                    out,
                    work / f"usage-{i}.json",
                    WEBSITE_ARGS,
                    count=count,
                    expect_images=expect,
                    expect_rendered=count,
                )
            finally:
                shutil.rmtree(out, ignore_errors=True)

        def baseline(i: int) -> dict[str, Any]:
            out = work / f"baseline-{i}"
            try:
                return _export_baseline_run(source, out, count, expect)
            finally:
                shutil.rmtree(out, ignore_errors=True)

        attempts: list[dict[str, dict[str, Any]]] = []
        report.data["export"] = {
            "photos": count,
            "image_files": expect,
            "command": ["gallery-app", "export", "PROJECT", "OUT", *WEBSITE_ARGS, "--json"],
            "attempts": attempts,
        }
        print("export: warm-up run of ours (page cache, bytecode) ...", flush=True)
        report.data["export"]["warm_up"] = ours(-1)
        rounds, busy = _interleaved("export", {"baseline": baseline, "ours": ours}, pairs, attempts)
        report.data["export"]["pairs_used"] = (
            "all attempts (machine too busy)" if busy else "undisturbed pairs"
        )
        note = " — MACHINE BUSY, pairs disturbed" if busy else ""
        ratio = _ratio_rows(
            report,
            f"export website preset, {count} × 24 MP, 4 widths × JPEG+WebP "
            f"({len(rounds)} pairs){note}",
            rounds,
            ours="ours",
            other="baseline",
            other_label="baseline loop",
            target=EXPORT_TARGET,
            count=count,
        )
        report.data["export"]["median_pair_ratio"] = round(ratio, 3)
        ours_runs = [r["ours"] for r in attempts]
        base_rss = max(r["baseline"]["main_peak_rss_mib"] for r in attempts)
        _rss_row(
            report,
            "  peak RSS: export main / largest worker",
            ours_runs,
            f"baseline {base_rss:.0f} MiB",
        )
        out_ours = median([r["ours"]["output_mib"] for r in rounds])
        out_base = median([r["baseline"]["output_mib"] for r in rounds])
        report.rows.append(
            Row(
                "  image bytes written",
                f"{out_ours:.0f} MiB",
                f"baseline {out_base:.0f} MiB",
                out_ours / out_base,
                "× baseline's",
                "reported",
                None,
            )
        )
        if profile or ratio < EXPORT_TARGET:
            _stage_breakdown(source, report, WEBSITE_ARGS, "website preset")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bench_sigal(corpus: Path, count: int, pairs: int, report: Report, *, profile: bool) -> None:
    """sigal vs ``--widths 2048,280 --formats jpeg``, with the full website preset beside them."""
    from benchmarks.sigal_run import ensure_sigal, versions, write_config

    ensure_sigal()
    work = Path(tempfile.mkdtemp(prefix="gallery-bench-sigal-"))
    try:
        source = _source_folder(corpus, count, work)
        project = work / "project"
        print(f"sigal: preparing a project with {count} photos (not timed) ...", flush=True)
        _prepare_export_project(source, project, count)
        config = write_config(work / "sigal.conf.py")

        def make_ours(args: tuple[str, ...], files: int, tag: str) -> Runner:
            def ours(i: int) -> dict[str, Any]:
                out = work / f"{tag}-{i}"
                try:
                    return _ours_export(
                        project,
                        out,
                        work / f"usage-{tag}-{i}.json",
                        args,
                        count=count,
                        expect_images=files,
                        expect_rendered=count,
                    )
                finally:
                    shutil.rmtree(out, ignore_errors=True)

            return ours

        def sigal(i: int) -> dict[str, Any]:
            out = work / f"sigal-{i}"
            try:
                return _sigal_run(config, source, out, count)
            finally:
                shutil.rmtree(out, ignore_errors=True)

        runners = {
            "sigal": sigal,
            "ours": make_ours(SIGAL_LIKE_ARGS, _planned_images(source, SIGAL_LIKE_ARGS), "ours"),
            "website": make_ours(WEBSITE_ARGS, _planned_images(source, WEBSITE_ARGS), "website"),
        }
        attempts: list[dict[str, dict[str, Any]]] = []
        report.data["sigal"] = {
            "photos": count,
            "versions": versions(),
            "config": config.read_text(),
            "ours_command": ["gallery-app", "export", "PROJECT", "OUT", *SIGAL_LIKE_ARGS, "--json"],
            "attempts": attempts,
        }
        print("sigal: warm-up runs (page cache, bytecode) ...", flush=True)
        sigal(-1)
        runners["ours"](-1)
        rounds, busy = _interleaved("sigal", runners, pairs, attempts)
        report.data["sigal"]["pairs_used"] = (
            "all attempts (machine too busy)" if busy else "undisturbed pairs"
        )
        note = " — MACHINE BUSY, pairs disturbed" if busy else ""
        ratio = _ratio_rows(
            report,
            f"vs sigal {report.data['sigal']['versions']['sigal']}: {count} × 24 MP → 2048 px "
            f"JPEG + 280 px ({len(rounds)} rounds){note}",
            rounds,
            ours="ours",
            other="sigal",
            other_label="sigal",
            target=SIGAL_TARGET,
            count=count,
        )
        report.data["sigal"]["median_pair_ratio"] = round(ratio, 3)
        sigal_workers = [
            r["sigal"]["largest_worker_peak_rss_mib"]
            for r in attempts
            if r["sigal"]["largest_worker_peak_rss_mib"]
        ]
        _rss_row(
            report,
            "  peak RSS: export main / largest worker",
            [r["ours"] for r in attempts],
            f"sigal largest worker {max(sigal_workers, default=float('nan')):.0f} MiB",
        )
        website_ratio = median([r["sigal"]["wall_s"] / r["website"]["wall_s"] for r in rounds])
        website_wall = median([r["website"]["wall_s"] for r in rounds])
        sigal_wall = median([r["sigal"]["wall_s"] for r in rounds])
        report.data["sigal"]["website_vs_sigal_median_ratio"] = round(website_ratio, 3)
        report.rows.append(
            Row(
                "  beside it: full website preset (4 widths × JPEG+WebP + gallery)",
                f"{website_wall:.2f} s ({1000 * website_wall / count:.0f} ms/photo)",
                f"sigal {sigal_wall:.2f} s",
                website_ratio,
                "× sigal's speed",
                "reported",
                None,
            )
        )
        if profile or ratio < SIGAL_TARGET:
            _stage_breakdown(source, report, SIGAL_LIKE_ARGS, "2048+280 JPEG")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bench_reexport(count: int, runs: int, report: Report) -> None:
    """Re-export of an unchanged project of ``count`` small photos: whole process, 0 rendered."""
    _, stdout, _ = _run(
        _py("-m", "benchmarks.export_bench", "small-corpus", "--count", str(count)),
        what="small corpus for the re-export",
    )
    source = Path(last_json_line(stdout)["folder"])
    work = Path(tempfile.mkdtemp(prefix="gallery-bench-reexport-"))
    try:
        project = work / "project"
        out = work / "out"
        print(f"re-export: preparing a project with {count} photos (not timed) ...", flush=True)
        _prepare_export_project(source, project, count)
        print("re-export: first export (not timed) ...", flush=True)
        first = _ours_export(
            project,
            out,
            work / "usage-first.json",
            ("--preset", "website"),
            count=count,
            expect_images=None,
            expect_rendered=count,
        )
        timed = []
        for i in range(runs):
            wait_for_idle()
            result = _ours_export(
                project,
                out,
                work / f"usage-{i}.json",
                ("--preset", "website"),
                count=count,
                expect_images=None,
                expect_rendered=0,
            )
            if result["reused"] != count or result["files"] != first["files"] or result["removed"]:
                raise BenchmarkError(
                    f"re-export of an unchanged project reused {result['reused']} of {count}"
                    f" photos, lists {result['files']} files (not {first['files']}) and removed"
                    f" {result['removed']}"
                )
            timed.append(result)
            print(f"re-export run {i + 1}/{runs}: {result['wall_s']:.2f} s", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    wall = median([r["wall_s"] for r in timed])
    inner = median([float(r["export_seconds"]) for r in timed])
    report.data["reexport"] = {
        "photos": count,
        "source": str(source),
        "first_export": first,
        "runs": timed,
        "median_wall_s": wall,
        "median_export_seconds": inner,
    }
    report.rows.append(
        Row(
            f"re-export {count} unchanged photos, website preset (whole process, median of {runs})",
            f"{wall:.2f} s, {timed[0]['rendered']} rendered / {timed[0]['reused']} reused",
            f"target {REEXPORT_TARGET_S:.0f} s",
            REEXPORT_TARGET_S / wall,
            "× under target",
            f"< {REEXPORT_TARGET_S:.0f} s",
            wall < REEXPORT_TARGET_S,
        )
    )
    report.rows.append(
        Row(
            "  of which inside export() (the rest: start-up, imports, exit)",
            f"{inner:.2f} s",
            f"first export {first['wall_s']:.1f} s",
            None,
            "",
            "reported",
            None,
        )
    )


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def _environment() -> dict[str, Any]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO_ROOT
    ).stdout.strip()
    return {
        "when": datetime.now().astimezone().isoformat(timespec="seconds"),
        "commit": commit or None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "pillow": PIL.__version__,
        "libjpeg_turbo": features.version("libjpeg_turbo"),
    }


def _print_table(report: Report) -> None:
    headers = ("benchmark", "ours", "compared with", "ratio", "target", "")
    lines = []
    for r in report.rows:
        ratio = "" if r.ratio is None else f"{r.ratio:.2f} {r.ratio_label}"
        status = {True: "ok", False: "MISSED", None: ""}[r.ok]
        lines.append((r.benchmark, r.ours, r.reference, ratio, r.target, status))
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headers)]
    fmt = "  ".join(f"{{:{w}}}" for w in widths)
    print()
    print(fmt.format(*headers))
    print(fmt.format(*("-" * w for w in widths)))
    for line in lines:
        print(fmt.format(*line).rstrip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="Run Gallery Curator's benchmarks."
    )
    parser.add_argument("--pairs", type=int, default=3, help="interleaved import pairs (≥ 3)")
    parser.add_argument("--count", type=int, default=100, help="photos in the import corpus")
    parser.add_argument("--catalog-size", type=int, default=20_000)
    parser.add_argument("--catalog-runs", type=int, default=3, help="fresh processes to time")
    parser.add_argument(
        "--export-count", type=int, default=EXPORT_COUNT, help="24 MP photos to export"
    )
    parser.add_argument(
        "--export-pairs",
        type=int,
        default=3,
        help="interleaved rounds for export and sigal (≥ 3)",
    )
    parser.add_argument("--reexport-count", type=int, default=REEXPORT_COUNT)
    parser.add_argument("--reexport-runs", type=int, default=3, help="timed re-exports")
    parser.add_argument("--gui-runs", type=int, default=3, help="fresh app processes to time")
    parser.add_argument(
        "--profile-export",
        action="store_true",
        help="always add the per-stage breakdown of one photo's export (otherwise only when a"
        " target is missed)",
    )
    parser.add_argument(
        "--only",
        choices=BENCHMARKS,
        action="append",
        help="run only this benchmark (repeatable)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 3 when a target is missed")
    args = parser.parse_args(argv)
    selected = set(args.only or BENCHMARKS)

    report = Report()
    report.data["environment"] = _environment()
    report.data["environment"]["subreaper"] = _become_subreaper()
    report.data["arguments"] = vars(args)
    status = 0
    corpus = Path()
    try:
        if selected & {"import", "first-paint", "export", "sigal"}:
            # The same cached corpus for all: the export uses its first photos.
            needed = args.count
            if selected & {"export", "sigal"}:
                needed = max(needed, args.export_count)
            corpus = ensure_corpus(needed)
            manifest = json.loads((corpus_dir() / "manifest.json").read_text())
            report.data["corpus"] = {"folder": str(corpus), **manifest}
            mb = manifest["bytes_mean"] / 1e6
            print(f"corpus: {needed} photos, mean {mb:.2f} MB, in {corpus}", flush=True)
        if "import" in selected:
            bench_import(corpus, args.count, args.pairs, report)
        if "first-paint" in selected:
            bench_first_paint(corpus, args.count, report)
        if "catalog" in selected:
            bench_catalog(args.catalog_size, args.catalog_runs, report)
        if "export" in selected:
            bench_export(
                corpus, args.export_count, args.export_pairs, report, profile=args.profile_export
            )
        if "sigal" in selected:
            bench_sigal(
                corpus, args.export_count, args.export_pairs, report, profile=args.profile_export
            )
        if "reexport" in selected:
            bench_reexport(args.reexport_count, args.reexport_runs, report)
        if "gui" in selected:
            from benchmarks.gui_bench import bench_gui

            bench_gui(args.catalog_size, args.gui_runs, report)
    except BenchmarkError as exc:
        print(f"\nBENCHMARK FAILED: {exc}", file=sys.stderr)
        report.data["error"] = str(exc)
        status = 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    report.data["rows"] = [r.__dict__ for r in report.rows]
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = RESULTS_DIR / f"bench-{stamp}.json"
    text = json.dumps(report.data, indent=2, ensure_ascii=False) + "\n"
    out.write_text(text)
    (RESULTS_DIR / "latest.json").write_text(text)
    if report.rows:
        _print_table(report)
    print(f"\nresults: {out}")
    if status == 0 and report.missed:
        print(f"{len(report.missed)} target(s) missed", file=sys.stderr)
        if args.strict:
            status = 3
    return status
