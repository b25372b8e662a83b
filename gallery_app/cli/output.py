"""How the command line talks: JSON documents for scripts, short readable text for people.

Under ``--json`` stdout carries exactly one JSON document and nothing else (progress and
messages go to stderr or nowhere), so that ``gallery-app photos P --json | jq`` always works.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from gallery_app.core.progress import ProgressEvent


def print_json(document: Any, stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    json.dump(document, out, ensure_ascii=False, indent=2, default=str)
    out.write("\n")


def print_table(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], stream: TextIO | None = None
) -> None:
    """A plain aligned table; long cells are cut with an ellipsis to keep rows on one line."""
    out = stream or sys.stdout
    text_rows = [[_cell(value) for value in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in text_rows:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], len(value))
    line = "  ".join(h.ljust(widths[i]) for i, h in enumerate(headers))
    out.write(line.rstrip() + "\n")
    for row in text_rows:
        out.write("  ".join(v.ljust(widths[i]) for i, v in enumerate(row)).rstrip() + "\n")


def _cell(value: Any, limit: int = 48) -> str:
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "yes" if value else ""
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    else:
        text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def print_fields(fields: dict[str, Any], stream: TextIO | None = None) -> None:
    """``key: value`` lines, aligned, for one record (``show``, ``info``)."""
    out = stream or sys.stdout
    width = max((len(k) for k in fields), default=0)
    for key, value in fields.items():
        out.write(f"{key.ljust(width)}  {_field_text(value)}\n")


def _field_text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return "" if value is None else str(value)


def error(message: str) -> None:
    """One line on stderr, the only thing a failed command prints."""
    first_line = " ".join(str(message).split())
    sys.stderr.write(f"gallery-app: error: {first_line}\n")


class TerminalProgress:
    """A tqdm bar per phase of a long operation, on stderr, only when it is a terminal.

    Args:
        enabled: False under ``--json`` (stdout must hold the JSON document alone).
        labels: the phases to show, by the label each bar gets.
    """

    def __init__(self, enabled: bool, labels: dict[str, str]) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.labels = labels
        self._bar: Any = None
        self._phase = ""

    def __call__(self, event: ProgressEvent) -> None:
        if not self.enabled or event.phase not in self.labels:
            return
        from tqdm import tqdm

        if event.phase != self._phase:
            self.close()
            self._phase = event.phase
            self._bar = tqdm(
                total=event.total, desc=self.labels[event.phase], unit="photo", file=sys.stderr
            )
        self._bar.total = max(self._bar.total or 0, event.total)
        self._bar.n = event.done
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
