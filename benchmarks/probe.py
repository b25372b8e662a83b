"""Run a module as ``python -m MODULE ARGS...`` would, then record its resource usage.

``python -m benchmarks.probe RESULT.json MODULE ARGS...`` runs MODULE's ``__main__`` in this
very process (stdout and the exit status are MODULE's own), and afterwards writes to
RESULT.json the peak RSS of this process (the main process of the command) and of its largest
child (a worker of the import pool: ``RUSAGE_CHILDREN`` reports the largest waited-for child),
with their CPU times. Measuring from the outside with ``wait4`` would only give the larger of
the two.
"""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

from benchmarks._util import cpu_seconds, peak_rss_children_mib, peak_rss_self_mib


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: python -m benchmarks.probe RESULT.json MODULE [ARGS...]", file=sys.stderr)
        return 2
    result_file, module = Path(argv[0]), argv[1]
    sys.argv = [module, *argv[2:]]
    code: int | str | None = 0
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = exc.code
    result_file.write_text(
        json.dumps(
            {
                "exit_code": code if isinstance(code, int) else (0 if code is None else 1),
                "main_peak_rss_mib": peak_rss_self_mib(),
                "largest_child_peak_rss_mib": peak_rss_children_mib(),
                **cpu_seconds(),
            }
        )
    )
    if isinstance(code, str):
        print(code, file=sys.stderr)
        return 1
    return code or 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
