"""Record real full runs of the recipes: the book's full-run column and plots come from here.

    python benchmarks/full_runs.py [--seed 0] [--record benchmarks/full_runs] [NAME ...]

Each recipe runs in full mode in its own process (``python -m recipes.NAME --seed S --out
DIR``). Its figures (``metrics.json``), plots and tables land in ``RECORD/NAME/`` next to a
``run.json`` saying when, where and how it ran: date, machine, library versions, seed, wall
time, git commit. A failed run leaves its log there and no ``run.json``. Names default to
every recipe; ``--skip-recorded`` leaves out those that already have a ``run.json``.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEPT_SUFFIXES = (".json", ".png", ".md", ".csv", ".txt")  # figures and tables, never checkpoints


def machine():
    """What the run ran on, in words a reader can compare."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "system": platform.platform(), "python": platform.python_version()}


def versions():
    import importlib.metadata as metadata

    found = {}
    for package in ("keras", "tensorflow-cpu", "tensorflow", "jax", "torch", "numpy"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return found


def commit():
    result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "keras_course", "recipes"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return result.stdout.strip() + ("+uncommitted" if dirty else "")


def record_full_run(name, seed, record):
    """Run ``recipes.NAME`` in full mode; keep its figures in ``record/NAME``; return run.json."""
    work = ROOT / "runs" / "full" / name
    shutil.rmtree(work, ignore_errors=True)
    command = [sys.executable, "-m", f"recipes.{name}", "--seed", str(seed), "--out", str(work)]
    started = datetime.datetime.now(datetime.UTC)
    load_before = os.getloadavg()[0]
    begin = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - begin
    target = record / name
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    if result.returncode != 0:
        (target / "failed.log").write_text(result.stdout[-20000:] + "\n" + result.stderr[-20000:])
        return None
    for path in sorted(work.iterdir()):
        if path.is_file() and path.suffix in KEPT_SUFFIXES:
            shutil.copy2(path, target / path.name)
    info = {
        "recipe": name,
        "mode": "full",
        "seed": seed,
        "started": started.isoformat(timespec="seconds"),
        "wall_seconds": round(wall, 1),
        "load_average_at_start": round(load_before, 2),
        "machine": machine(),
        "versions": versions(),
        "backend": os.environ.get("KERAS_BACKEND", "tensorflow"),
        "commit": commit(),
        "command": f"python -m recipes.{name} --seed {seed} --out DIR",
    }
    (target / "run.json").write_text(json.dumps(info, indent=2) + "\n")
    return info


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="recipe names (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--record", type=Path, default=ROOT / "benchmarks" / "full_runs")
    parser.add_argument("--skip-recorded", action="store_true", help="leave out recipes that have a run.json")
    args = parser.parse_args(argv)
    if args.seed < 0:
        parser.error(f"--seed must be >= 0, got {args.seed}")
    sys.path.insert(0, str(ROOT))
    from keras_course.runner import recipe_names

    known = recipe_names()
    names = args.names or known
    unknown = sorted(set(names) - set(known))
    if unknown:
        parser.error(f"unknown recipes: {', '.join(unknown)}")
    for name in names:
        if args.skip_recorded and (args.record / name / "run.json").is_file():
            continue
        print(f"{name}: running", flush=True)
        info = record_full_run(name, args.seed, args.record)
        print(
            f"{name}: " + (f"done in {info['wall_seconds']:.0f} s" if info else "FAILED (see failed.log)"), flush=True
        )


if __name__ == "__main__":
    main()
