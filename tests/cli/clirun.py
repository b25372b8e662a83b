"""Running the real ``gallery-app`` command in a subprocess, as a user or a script would."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "gallery_app", *args],
        capture_output=True,
        text=True,
        timeout=180,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def run_json(*args: str) -> Any:
    result = run(*args, "--json")
    return json.loads(result.stdout)  # stdout holds one JSON document and nothing else
