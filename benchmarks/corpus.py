"""The cached, deterministic benchmark corpus: N × 24 MP JPEGs from ``make_benchmark_photo``.

Generating 100 photos takes a few minutes even on both cores, so the corpus is kept under
``benchmarks/.corpus/`` (gitignored) and reused. The folder name carries a fingerprint of the
generator's source, the parameters and the Pillow version: when any of them changes, a new
corpus is made (byte-identical output is only promised for the same code and libraries).
Photos are written to a temporary name and renamed, so an interrupted generation resumes
where it stopped.

``python -m benchmarks.corpus [--count N]`` makes (or checks) the corpus on its own.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import inspect
import json
import multiprocessing
import os
import time
from pathlib import Path

import PIL

from gallery_app.core import samples

CORPUS_ROOT = Path(__file__).resolve().parent / ".corpus"
PHOTOS_SUBDIR = "photos"


def _code_fingerprint() -> str:
    """The generator's code without docstrings, comments or formatting.

    Editing a docstring must not throw away a corpus that takes minutes to make; any change
    to the code (even one that happens not to change the bytes) makes a new one.
    """
    tree = ast.parse(inspect.getsource(samples))
    for node in ast.walk(tree):
        # Docstrings, including attribute docstrings (a string statement after an assignment).
        body = getattr(node, "body", None)
        if isinstance(body, list):
            body[:] = [
                n
                for n in body
                if not (
                    isinstance(n, ast.Expr)
                    and isinstance(n.value, ast.Constant)
                    and isinstance(n.value.value, str)
                )
            ]
    return ast.dump(tree, include_attributes=False)


def _fingerprint(size: tuple[int, int], quality: int) -> str:
    key = f"{_code_fingerprint()}\n{size}\n{quality}\n{PIL.__version__}"
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def corpus_dir(size: tuple[int, int] = (6000, 4000), quality: int = 92) -> Path:
    """Where the corpus for these parameters and this generator lives."""
    return CORPUS_ROOT / f"{size[0]}x{size[1]}-q{quality}-{_fingerprint(size, quality)}"


def photo_name(seed: int) -> str:
    return f"bench_{seed:04d}.jpg"


def _make_one(job: tuple[Path, int, tuple[int, int], int]) -> tuple[int, float, int]:
    folder, seed, size, quality = job
    final = folder / photo_name(seed)
    partial = final.with_suffix(".partial")
    started = time.perf_counter()
    samples.make_benchmark_photo(partial, seed, size=size, quality=quality)
    # make_benchmark_photo picks the format from the call, not the suffix; rename when done.
    os.replace(partial, final)
    return seed, time.perf_counter() - started, final.stat().st_size


def ensure_corpus(
    count: int = 100,
    *,
    size: tuple[int, int] = (6000, 4000),
    quality: int = 92,
    jobs: int | None = None,
    verbose: bool = True,
) -> Path:
    """Return the folder holding ``count`` corpus photos, generating the missing ones.

    The folder returned contains only the photos (JPEG), so it can be given to an import as
    is; ``manifest.json`` sits next to it.
    """
    root = corpus_dir(size, quality)
    folder = root / PHOTOS_SUBDIR
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.partial"):
        stale.unlink()
    missing = [s for s in range(count) if not (folder / photo_name(s)).is_file()]
    generated: list[tuple[int, float, int]] = []
    if missing:
        jobs = jobs or os.cpu_count() or 1
        if verbose:
            print(
                f"generating {len(missing)} corpus photos ({size[0]}×{size[1]}, q{quality}) "
                f"on {jobs} processes into {folder} ...",
                flush=True,
            )
        started = time.perf_counter()
        work = [(folder, s, size, quality) for s in missing]
        with multiprocessing.get_context("spawn").Pool(jobs) as pool:
            for done, result in enumerate(pool.imap_unordered(_make_one, work), 1):
                generated.append(result)
                if verbose and (done % 10 == 0 or done == len(work)):
                    elapsed = time.perf_counter() - started
                    print(f"  {done}/{len(work)} photos, {elapsed:.0f} s", flush=True)
    files = [folder / photo_name(s) for s in range(count)]
    sizes = [f.stat().st_size for f in files]
    manifest = {
        "count": count,
        "size": list(size),
        "quality": quality,
        "pillow": PIL.__version__,
        "bytes_total": sum(sizes),
        "bytes_mean": sum(sizes) / max(1, len(sizes)),
        "bytes_min": min(sizes, default=0),
        "bytes_max": max(sizes, default=0),
    }
    if generated:
        manifest["generated_now"] = len(generated)
        manifest["seconds_per_photo_mean"] = sum(g[1] for g in generated) / len(generated)
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return folder


def corpus_files(folder: Path, count: int) -> list[Path]:
    """The first ``count`` photos of a corpus folder, in seed order."""
    return [folder / photo_name(s) for s in range(count)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    folder = ensure_corpus(args.count, jobs=args.jobs)
    print((folder.parent / "manifest.json").read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
