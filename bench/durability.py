"""What SQLite's commit durability costs: `python -m bench.run --only durability`.

Commits one audit-sized row per transaction (BEGIN IMMEDIATE, as the app does) in WAL mode
with synchronous=NORMAL, FULL and EXTRA, on the disk that holds var/, and prints commits
per second. NORMAL survives a crash of the server but may lose the last commits on power
loss; FULL syncs the WAL at every commit, so an acknowledged record survives both.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import tempfile
import time
from pathlib import Path

from bench.databases import ROOT, load_average

DEFAULT_COMMITS = 2000
ROW = json.dumps({"before": {"pain_score": 2}, "after": {"pain_score": 3}, "reason": "x" * 80})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--commits", type=int, default=DEFAULT_COMMITS, help="per setting")


def commits_per_second(folder: Path, synchronous: str, commits: int) -> float:
    path = folder / f"durability-{synchronous.lower()}.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={synchronous}")
    db.execute("CREATE TABLE audit (id INTEGER PRIMARY KEY, at REAL, actor TEXT, changes TEXT)")
    started = time.perf_counter()
    for _ in range(commits):
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            "INSERT INTO audit (at, actor, changes) VALUES (?, ?, ?)",
            (time.time(), "practitioner@lumiere.demo", ROW),
        )
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return commits / elapsed


def run(options: argparse.Namespace) -> bool:
    var = Path(os.environ.get("MESOTRACE_VAR_DIR", str(ROOT / "var")))
    var.mkdir(parents=True, exist_ok=True)
    print(f"{options.commits} one-row commits per setting, WAL, in {var}; {load_average()}")
    with tempfile.TemporaryDirectory(dir=var, prefix="durability-") as folder:
        rates = {
            s: commits_per_second(Path(folder), s, options.commits)
            for s in ("NORMAL", "FULL", "EXTRA")
        }
    for setting, rate in rates.items():
        print(
            f"  synchronous={setting:<7} {rate:>8.0f} commits/s  {1000 / rate:6.2f} ms per commit"
            f"  ({rates['NORMAL'] / rate:.1f}x NORMAL's time)"
        )
    return True
