"""Peak resident memory of every process in a command's tree, sampled from ``/proc``.

Why not ``getrusage``: ``RUSAGE_CHILDREN`` gives one number, the largest *waited-for* child,
and our export workers are not children of the export process — a ``forkserver`` forks them —
while sigal's pool workers are. To report "peak RSS per worker" for both the same way, a thread
walks the command's process tree a few times a second and keeps each process's ``VmHWM`` (the
kernel's own high-water mark, so a sample misses at most the growth of a process's last interval
before it exits, not short spikes in between). Processes are then classified by their place in
the tree: the command itself, a ``multiprocessing`` forkserver or resource tracker, and workers
(everything else). Linux only; elsewhere the result is empty.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROC = Path("/proc")


@dataclass
class _Seen:
    ppid: int
    cmdline: str
    peak_kib: int = 0


@dataclass
class TreeWatcher:
    """Sample the tree below ``root_pid`` every ``interval_s`` seconds until :meth:`stop`."""

    root_pid: int
    interval_s: float = 0.1
    seen: dict[int, _Seen] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> TreeWatcher:
        self._thread = threading.Thread(target=self._loop, name="tree-watcher", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> dict[str, Any]:
        """Stop sampling and return the per-role peaks (MiB)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return self.summary()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval_s)

    def sample(self) -> None:
        parents: dict[int, int] = {}
        for entry in PROC.iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # exited meanwhile
                continue
            # "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
            fields = stat[stat.rfind(")") + 2 :].split()
            parents[int(entry.name)] = int(fields[1])
        tree = {self.root_pid}
        grew = True
        while grew:
            grew = False
            for pid, ppid in parents.items():
                if ppid in tree and pid not in tree:
                    tree.add(pid)
                    grew = True
        for pid in tree:
            peak = _vm_hwm_kib(pid)
            if peak is None:
                continue
            seen = self.seen.get(pid)
            if seen is None:
                seen = self.seen[pid] = _Seen(parents.get(pid, 0), _cmdline(pid))
            seen.peak_kib = max(seen.peak_kib, peak)

    def summary(self) -> dict[str, Any]:
        forkservers = {
            pid for pid, s in self.seen.items() if "multiprocessing.forkserver" in s.cmdline
        }
        # A worker forked by the forkserver inherits its command line: tell them apart by parent.
        forkservers = {pid for pid in forkservers if self.seen[pid].ppid not in forkservers}
        helpers = forkservers | {
            pid for pid, s in self.seen.items() if "resource_tracker" in s.cmdline
        }
        workers = [
            s.peak_kib
            for pid, s in self.seen.items()
            if pid != self.root_pid and pid not in helpers
        ]
        root = self.seen.get(self.root_pid)
        return {
            "root_peak_rss_mib": _mib(root.peak_kib) if root else None,
            "workers": len(workers),
            "worker_peak_rss_mib": sorted((_mib(k) for k in workers), reverse=True),
            "largest_worker_peak_rss_mib": _mib(max(workers)) if workers else None,
            "forkserver_peak_rss_mib": (
                _mib(max(self.seen[p].peak_kib for p in forkservers)) if forkservers else None
            ),
        }


def _vm_hwm_kib(pid: int) -> int | None:
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None  # a zombie has no memory lines


def _cmdline(pid: int) -> str:
    try:
        return (
            (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


def _mib(kib: int) -> float:
    return round(kib / 1024, 1)
