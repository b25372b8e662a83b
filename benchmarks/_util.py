"""Small helpers shared by the benchmark scripts: memory, machine load, statistics.

Memory figures come from the kernel (``/proc/self/status`` and ``getrusage``), so no extra
package is needed; they are Linux figures, like everything measured on the project's machine.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any


def kib_to_mib(kib: float) -> float:
    return round(kib / 1024, 1)


def proc_status_mib() -> dict[str, float]:
    """Current (VmRSS) and peak (VmHWM) resident memory of this process, in MiB."""
    out: dict[str, float] = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = kib_to_mib(float(value.split()[0]))
    except OSError:  # not Linux: fall back to the peak from getrusage
        out["VmHWM"] = peak_rss_self_mib()
    return out


def peak_rss_self_mib() -> float:
    """Peak RSS of this process (``ru_maxrss`` is KiB on Linux, bytes on macOS)."""
    value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(value / 2**20, 1) if sys.platform == "darwin" else kib_to_mib(value)


def peak_rss_children_mib() -> float:
    """Peak RSS of the largest terminated, waited-for child (not the sum of them)."""
    value = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(value / 2**20, 1) if sys.platform == "darwin" else kib_to_mib(value)


def cpu_seconds() -> dict[str, float]:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "self_cpu_s": round(me.ru_utime + me.ru_stime, 3),
        "children_cpu_s": round(kids.ru_utime + kids.ru_stime, 3),
    }


def machine_cpu_times() -> tuple[float, float] | None:
    """(busy, total) jiffies of all CPUs since boot, or None off Linux."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    values = [float(v) for v in fields]
    idle = values[3] + (values[4] if len(values) > 4 else 0.0)
    total = sum(values[:8])
    return total - idle, total


def wait_for_idle(threshold: float = 0.85, max_wait_s: float = 60.0) -> float:
    """Wait until the machine is mostly idle (other sessions share its two cores).

    Returns the idle fraction seen last (sampled over 0.5 s). Gives up after ``max_wait_s``
    so a busy machine slows the benchmark down rather than hanging it; the paired design
    keeps the ratios meaningful anyway.
    """
    deadline = time.monotonic() + max_wait_s
    idle = 1.0
    while True:
        before = machine_cpu_times()
        time.sleep(0.5)
        after = machine_cpu_times()
        if before is None or after is None:
            return 1.0
        busy = after[0] - before[0]
        total = after[1] - before[1]
        idle = 1.0 - busy / total if total > 0 else 1.0
        if idle >= threshold or time.monotonic() > deadline:
            return round(idle, 3)


def median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def emit(result: dict[str, Any]) -> None:
    """Print a child script's result as the last line of stdout (JSON)."""
    print(json.dumps(result), flush=True)


def last_json_line(text: str) -> dict[str, Any]:
    for raw in reversed(text.strip().splitlines()):
        line = raw.strip()
        if line.startswith("{"):
            parsed: dict[str, Any] = json.loads(line)
            return parsed
    raise ValueError("no JSON result in the output")
