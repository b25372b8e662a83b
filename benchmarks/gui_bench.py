"""The desktop app's grid on a 20,000-photo event: first layout, scrolling, memory, bulk edit.

``build PROJECT --count N`` makes the catalog of :mod:`benchmarks.catalog_bench` (N synthetic
photos with keywords, people and captions) and gives every photo a real grid thumbnail on
disk: 24 distinct small JPEGs, hard-linked under each photo's cache name, so the grid decodes
and paints real pixels without 20,000 files' worth of disk.

``measure PROJECT`` runs in a fresh process on Qt's offscreen platform and times, inside the
app's own :class:`MainWindow` (issue 5, "Performance"):

* **first layout** — from creating the grid (model over the catalog, view) to the end of the
  view's first paint; the same grid as the app builds it (ids from a catalog thread, until
  painted with them); and the whole main window (until its grid painted the photos);
* **scroll** — a timer scrolls the grid one screen per tick from top to bottom while a 1 ms
  heartbeat timer records how long the event loop went without running it; the longest gap is
  the longest stall. Also: how many distinct rows were ever on screen and how many thumbnail
  requests and decodes were made (only on-screen rows may ask);
* **memory** — resident set after the scroll and its peak;
* **bulk keyword** — 1,000 photos selected (starting at the top of the screen), one keyword
  added through the app's undoable edit path, until the grid has painted the new keyword
  count on screen.

Prints one JSON line. The figures are wall-clock times on a shared machine: noisy.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks._util import emit, proc_status_mib

WINDOW = (1280, 860)
SCROLL_TICK_MS = 16
BULK = 1000
KEYWORD = "Benchmark|Bulk keyword"


def build(project_dir: Path, count: int) -> dict[str, Any]:
    from PIL import Image, ImageDraw

    from benchmarks.catalog_bench import build as build_catalog
    from gallery_app.core.project import open_project
    from gallery_app.core.thumbnails import GRID_SIZE, thumbnail_path

    result = build_catalog(project_dir, count)
    samples = project_dir / "bench-samples"
    samples.mkdir(exist_ok=True)
    files = []
    rng = random.Random(5)
    for i in range(24):
        portrait = i % 4 == 3
        size = (171, 256) if portrait else (256, 171)
        image = Image.new("RGB", size, (rng.randrange(40, 200),) * 3)
        draw = ImageDraw.Draw(image)
        for _ in range(12):
            x, y = rng.randrange(size[0]), rng.randrange(size[1])
            r = rng.randrange(10, 60)
            colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        path = samples / f"sample-{i:02d}.jpg"
        image.save(path, quality=82)
        files.append(path)
    project = open_project(project_dir)
    try:
        hashes = [r[0] for r in project.conn.execute("SELECT content_hash FROM photos")]
        for n, digest in enumerate(hashes):
            target = thumbnail_path(project.cache_dir, digest, GRID_SIZE)
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                os.link(files[n % len(files)], target)
    finally:
        project.close()
    result["thumbnails"] = len(hashes)
    return result


def measure(project_dir: Path) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QItemSelection, QItemSelectionModel, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from gallery_app.core.edits import EditRequest
    from gallery_app.core.project import open_project
    from gallery_app.gui.app import settle_heap
    from gallery_app.gui.catalog_thread import CatalogThread
    from gallery_app.gui.main_window import MainWindow
    from gallery_app.gui.models.photo_grid_model import (
        CatalogSource,
        PhotoGridModel,
        Roles,
        ThreadedCatalogSource,
    )
    from gallery_app.gui.thumbnail_loader import ThumbnailLoader
    from gallery_app.gui.views.photo_grid_view import PhotoGridView
    from gallery_app.gui.welcome import WelcomeWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("GalleryCuratorBenchmark")  # never the user's real settings
    app.setApplicationName("GalleryCuratorBenchmark")
    clock = QElapsedTimer()
    result: dict[str, Any] = {"rss_start_mib": proc_status_mib().get("VmRSS")}

    def wait_for_paint(view: PhotoGridView, timeout_s: float = 10.0) -> None:
        """Until the view painted with its photos (a main window's grid paints empty first,
        then again once its ids came from the catalog thread)."""
        painted: list[bool] = []

        def on_paint() -> None:
            if view.model().rowCount() > 0:
                painted.append(True)

        view.painted.connect(on_paint)
        deadline = time.perf_counter() + timeout_s
        while not painted:
            app.processEvents()
            if time.perf_counter() > deadline:
                raise SystemExit("gui benchmark: the grid never painted")

    # The app paints its welcome window before any project: fonts and styles are loaded
    # by then, so the grid's first layout is timed after the same warm-up.
    welcome = WelcomeWindow([])
    welcome.show()
    while not welcome.isVisible():
        app.processEvents()
    welcome.grab()
    welcome.close()
    project = open_project(project_dir)
    try:
        # 1a. The grid alone: model (ids from SQL) + view, shown, until painted once.
        clock.start()
        loader = ThumbnailLoader()
        model = PhotoGridModel(CatalogSource(project), loader)
        view = PhotoGridView()
        view.setModel(model)
        view.resize(*WINDOW)
        view.show()
        wait_for_paint(view)
        result["grid_first_layout_s"] = clock.nsecsElapsed() / 1e9
        result["rows"] = model.rowCount()
        view.close()
        loader.shutdown()
        del view, model, loader
        app.processEvents()

        # 1a'. The same grid as the app builds it: ids and rows from a catalog thread (its
        # connection opened, the ids read there, handed back), until painted with the ids.
        clock.start()
        catalog = CatalogThread(project)
        loader = ThumbnailLoader()
        model = PhotoGridModel(ThreadedCatalogSource(project, catalog), loader)
        view = PhotoGridView()
        view.setModel(model)
        view.resize(*WINDOW)
        view.show()
        wait_for_paint(view)
        result["grid_threaded_first_layout_s"] = clock.nsecsElapsed() / 1e9
        view.close()
        loader.shutdown()
        catalog.shutdown()
        del view, model, loader, catalog
        app.processEvents()

        # 1b. The whole main window, until its grid painted the photos (the ids are read on
        # the window's catalog thread while the window is already on screen).
        clock.start()
        window = MainWindow(project)
        first_paint: list[float] = []
        window.view.painted.connect(
            lambda: first_paint.append(clock.nsecsElapsed() / 1e9) if not first_paint else None
        )
        window.resize(*WINDOW)
        window.show()
        wait_for_paint(window.view)
        result["window_first_layout_s"] = clock.nsecsElapsed() / 1e9
        # The window's first paint of all, before the ids are in ("Loading photos…").
        result["window_first_paint_s"] = first_paint[0]
        settle_heap()  # as the app controller does just after a project's window is shown
        view = window.view
        model = window.model
        loader = window.loader
        requested: set[int] = set()
        original_request = loader.request

        def counting_request(photo_id: int, cache_dir: Path, content_hash: str) -> None:
            requested.add(photo_id)
            original_request(photo_id, cache_dir, content_hash)

        loader.request = counting_request  # type: ignore[method-assign]

        # 2. Scroll through everything, one screen per tick, with a heartbeat.
        bar = view.verticalScrollBar()
        seen_rows: set[int] = set()

        def note_visible() -> None:
            # The grid is uniform, so the rows on screen follow from the scroll position.
            grid = view.gridSize()
            columns = max(1, view.viewport().width() // grid.width())
            first_line = bar.value() // grid.height()
            last_line = (bar.value() + view.viewport().height() - 1) // grid.height()
            end = min((last_line + 1) * columns, model.rowCount())
            seen_rows.update(range(first_line * columns, end))

        gaps: list[tuple[float, float]] = []
        """(wall, GUI-thread CPU) seconds between heartbeats."""
        last = [time.perf_counter(), time.thread_time()]

        def beat() -> None:
            now, cpu = time.perf_counter(), time.thread_time()
            gaps.append((now - last[0], cpu - last[1]))
            last[0], last[1] = now, cpu

        gc_pauses: list[float] = []
        gc_started = [0.0]

        def on_gc(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                gc_started[0] = time.perf_counter()
            elif info.get("generation") == 2:
                gc_pauses.append(time.perf_counter() - gc_started[0])

        gc.callbacks.append(on_gc)
        heartbeat = QTimer()
        heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
        heartbeat.setInterval(1)
        heartbeat.timeout.connect(beat)
        scroller = QTimer()
        scroller.setTimerType(Qt.TimerType.PreciseTimer)
        scroller.setInterval(SCROLL_TICK_MS)
        steps = [0]
        done = [False]

        def scroll() -> None:
            note_visible()
            if bar.value() >= bar.maximum():
                scroller.stop()
                done[0] = True
                return
            bar.setValue(min(bar.maximum(), bar.value() + view.viewport().height()))
            steps[0] += 1

        scroller.timeout.connect(scroll)
        # Batched layout goes on after the first paint; scroll once the whole grid is laid out.
        settle = time.perf_counter()
        last_index = model.index(model.rowCount() - 1)
        while not view.visualRect(last_index).isValid() or bar.maximum() == 0:
            app.processEvents()
            if time.perf_counter() - settle > 30:
                raise SystemExit("gui benchmark: the grid's layout never finished")
        result["layout_complete_s"] = round(time.perf_counter() - settle, 3)
        started = time.perf_counter()
        started_cpu = time.thread_time()
        last[0], last[1] = started, started_cpu
        heartbeat.start()
        scroller.start()
        while not done[0]:
            app.processEvents()
        # let the last paint happen inside the heartbeat window too
        end = time.perf_counter() + 0.2
        while time.perf_counter() < end:
            app.processEvents()
        heartbeat.stop()
        gc.callbacks.remove(on_gc)
        scroll_s = time.perf_counter() - started
        scroll_cpu_s = time.thread_time() - started_cpu
        gaps_ms = sorted(wall * 1000 for wall, _ in gaps)
        cpu_ms = sorted(cpu * 1000 for _, cpu in gaps)
        worst = max(gaps)
        result["scroll"] = {
            "steps": steps[0],
            "seconds": round(scroll_s, 3),
            "gui_thread_cpu_s": round(scroll_cpu_s, 3),
            "longest_stall_ms": round(gaps_ms[-1], 2),
            # CPU time the GUI thread itself spent in that stall, and the longest such CPU
            # time: on a shared machine the wall figure includes waiting for a core.
            "longest_stall_cpu_ms": round(worst[1] * 1000, 2),
            "longest_cpu_ms": round(cpu_ms[-1], 2),
            "p99_gap_ms": round(gaps_ms[int(len(gaps_ms) * 0.99)], 2),
            "median_gap_ms": round(gaps_ms[len(gaps_ms) // 2], 2),
            "heartbeats": len(gaps),
            "full_gc_runs": len(gc_pauses),
            "longest_full_gc_ms": round(max(gc_pauses, default=0.0) * 1000, 2),
            "rows_on_screen": len(seen_rows),
            "last_row_on_screen": max(seen_rows),
            "thumbnail_requests": loader.requests,
            "thumbnail_loads": loader.loads,
            "requests_dropped": loader.dropped,
            "requested_rows_not_on_screen": len(
                {r for r in (model.row_of(i) for i in requested) if r is not None} - seen_rows
            ),
        }

        # 3. Memory after the scroll.
        status = proc_status_mib()
        result["rss_after_scroll_mib"] = status.get("VmRSS")
        result["peak_rss_mib"] = status.get("VmHWM")

        # 4. 1,000 photos + a keyword until the grid shows it.
        bar.setValue(0)
        for _ in range(20):
            app.processEvents()
        top = view.indexAt(view.visualRect(model.index(0)).center()).row()
        first, last_row = top, min(top + BULK, model.rowCount()) - 1
        selection = QItemSelection(model.index(first), model.index(last_row))
        view.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        view.selectionModel().setCurrentIndex(
            model.index(first), QItemSelectionModel.SelectionFlag.NoUpdate
        )
        for _ in range(20):
            app.processEvents()
        before = model.data(model.index(first), Roles.ROW).keywords
        # The edit runs on the window's catalog thread: the grid "shows it" at the first
        # paint after the re-read rows reached the model (not at the first paint after the
        # key press, which may still show the old cells).
        painted: list[float] = []
        shown: list[float] = []
        wanted = [before + 1]
        view.painted.connect(lambda: painted.append(time.perf_counter()))

        def on_data_changed(top: Any, bottom: Any, _roles: Any) -> None:
            if shown or not top.row() <= first <= bottom.row():
                return
            cell = model.data(model.index(first), Roles.ROW)
            if cell is not None and cell.keywords == wanted[0]:
                shown.append(time.perf_counter())

        def wait_until_shown(what: str) -> float:
            deadline = time.perf_counter() + 30
            while not (shown and painted and painted[-1] >= shown[0]):
                app.processEvents()
                if time.perf_counter() > deadline:
                    raise SystemExit(f"gui benchmark: the {what} never reached the grid")
            return next(t for t in painted if t >= shown[0])

        model.dataChanged.connect(on_data_changed)
        t0 = time.perf_counter()
        window.apply(EditRequest(add_keywords=[KEYWORD]))
        applied = time.perf_counter()
        until_painted = wait_until_shown("keyword")
        after = model.data(model.index(first), Roles.ROW).keywords
        if after != before + 1 or len(window.selected_ids()) != last_row - first + 1:
            raise SystemExit("gui benchmark: the keyword did not reach the grid")
        result["bulk_keyword"] = {
            "photos": last_row - first + 1,
            "apply_s": round(applied - t0, 4),
            "until_painted_s": round(until_painted - t0, 4),
        }
        shown.clear()
        painted.clear()
        wanted[0] = before
        t0 = time.perf_counter()
        window.undo_stack.undo()
        until_painted = wait_until_shown("undo")
        result["bulk_keyword"]["undo_until_painted_s"] = round(until_painted - t0, 4)
        window.close()
        window.shutdown()
    finally:
        project.close()
    return result


FIRST_LAYOUT_TARGET_S = 0.100
STALL_TARGET_S = 0.050
RSS_TARGET_MIB = 1024.0
BULK_TARGET_S = 1.0


def bench_gui(size: int, runs: int, report: Any) -> None:
    """``python -m benchmarks --only gui``: build once, measure in ``runs`` fresh processes,
    add ratio rows to the harness's report (median over the runs; the stall also as the
    worst run, since one bad frame is what a user sees)."""
    import shutil
    import tempfile

    from benchmarks._util import last_json_line, median, wait_for_idle
    from benchmarks.run import BenchmarkError, Row, _py, _run

    work = Path(tempfile.mkdtemp(prefix="gallery-bench-gui-"))
    project = work / "project"
    measures: list[dict[str, Any]] = []
    try:
        print(f"gui: building a project with {size} photos and thumbnails ...", flush=True)
        _run(
            _py("-m", "benchmarks.gui_bench", "build", str(project), "--count", str(size)),
            what="gui build",
        )
        for i in range(runs):
            wait_for_idle()
            wall, stdout, load = _run(
                _py("-m", "benchmarks.gui_bench", "measure", str(project)), what="gui measure"
            )
            measures.append({**last_json_line(stdout), **load, "wall_s": round(wall, 3)})
            print(f"gui: measure run {i + 1}/{runs} done", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for m in measures:
        scroll = m["scroll"]
        if scroll["requested_rows_not_on_screen"] or scroll["last_row_on_screen"] != size - 1:
            raise BenchmarkError("gui: thumbnails were requested for rows never on screen")
    report.data["gui"] = {"photos": size, "measures": measures}

    def med(get: Any) -> float:
        return float(median([float(get(m)) for m in measures]))

    def add(label: str, value: float, ours: str, target: float, unit: str) -> None:
        report.rows.append(
            Row(
                f"gui {size}: {label}",
                ours,
                f"target {unit}",
                target / value if value else None,
                "× under target",
                f"< {unit}",
                value < target,
            )
        )

    grid = med(lambda m: m["grid_first_layout_s"])
    add("first layout (grid)", grid, f"{grid * 1000:.0f} ms", FIRST_LAYOUT_TARGET_S, "100 ms")
    threaded = med(lambda m: m["grid_threaded_first_layout_s"])
    add(
        "  the same grid, ids from the catalog thread (as in the app)",
        threaded,
        f"{threaded * 1000:.0f} ms",
        FIRST_LAYOUT_TARGET_S,
        "100 ms",
    )
    window = med(lambda m: m["window_first_layout_s"])
    add(
        "  whole main window (with filter bar, metadata panel)",
        window,
        f"{window * 1000:.0f} ms",
        FIRST_LAYOUT_TARGET_S,
        "100 ms",
    )
    stall = med(lambda m: m["scroll"]["longest_stall_ms"]) / 1000
    worst = max(m["scroll"]["longest_stall_ms"] for m in measures) / 1000
    cores = os.cpu_count() or 1
    busy = med(lambda m: m.get("others_cpu_s", 0.0) / (m["wall_s"] * cores))
    add(
        "longest stall, scroll top→bottom (wall)",
        stall,
        f"{stall * 1000:.0f} ms (worst run {worst * 1000:.0f}; others used {busy:.0%} of the CPUs)",
        STALL_TARGET_S,
        "50 ms",
    )
    cpu = med(lambda m: m["scroll"]["longest_cpu_ms"]) / 1000
    worst_cpu = max(m["scroll"]["longest_cpu_ms"] for m in measures) / 1000
    add(
        "  GUI thread's own CPU in the longest gap",
        cpu,
        f"{cpu * 1000:.0f} ms (worst run {worst_cpu * 1000:.0f})",
        STALL_TARGET_S,
        "50 ms",
    )
    requests = med(lambda m: m["scroll"]["thumbnail_requests"])
    loads = med(lambda m: m["scroll"]["thumbnail_loads"])
    report.rows.append(
        Row(
            f"gui {size}: thumbnails requested / decoded in the scroll",
            f"{requests:.0f} / {loads:.0f}",
            f"{size} rows, all on screen once",
            None,
            "",
            "only visible rows",
            True,
        )
    )
    rss = med(lambda m: m["peak_rss_mib"])
    add("peak RSS after the scroll", rss, f"{rss:.0f} MiB", RSS_TARGET_MIB, "1 GB")
    bulk = med(lambda m: m["bulk_keyword"]["until_painted_s"])
    add("1,000 selected + keyword → painted", bulk, f"{bulk * 1000:.0f} ms", BULK_TARGET_S, "1 s")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("project", type=Path)
    b.add_argument("--count", type=int, default=20_000)
    m = sub.add_parser("measure")
    m.add_argument("project", type=Path)
    args = parser.parse_args(argv)
    if args.command == "build":
        emit(build(args.project, args.count))
    else:
        emit(measure(args.project))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
