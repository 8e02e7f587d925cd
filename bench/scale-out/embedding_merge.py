"""The merge of a pool's embedding in shards at scale: `embed --from-blocks` on synthetic blocks files shaped
like the backbone's (blocks of 320 and 112 columns, float64, trainer/pomona_trainer/feature_blocks.py),
whitened in memory (pools up to 100,000 rows) or shard by shard (streaming_whitening.py, above), timed
with the peak memory of the trainer process.

    .venv/bin/python bench/scale-out/embedding_merge.py [--rows 100000,1000000] [--shard-rows 10000] [--dir DIR]

Rows are Gaussian with a few strong directions (a rank-8 signal plus noise), so whitening keeps
components as on real features; their values do not matter for time or memory.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from pomona_trainer import feature_blocks

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

WIDTHS = (320, 112)


def write_blocks(folder: str, rows: int, shard_rows: int) -> None:
    if os.path.isdir(folder) and sum(1 for f in os.listdir(folder) if f.endswith(".npz")) == -(-rows // shard_rows):
        return
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    signal = rng.normal(size=(8, sum(WIDTHS)))
    for k, start in enumerate(range(0, rows, shard_rows)):
        n = min(shard_rows, rows - start)
        x = rng.normal(size=(n, 8)) @ signal + 0.3 * rng.normal(size=(n, sum(WIDTHS)))
        blocks = [x[:, :WIDTHS[0]], x[:, WIDTHS[0]:]]
        feature_blocks.save(os.path.join(folder, f"{k:07d}.npz"), "backbone", [f"img{start + i:08d}.png" for i in range(n)], blocks)


def merge(folder: str, out: str) -> tuple[float, float, str]:
    """Seconds, peak RSS in MB of the trainer process, and how it whitened (its stderr line)."""
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "pomona_trainer", "embed", "--from-blocks", folder, "--out", out, "--dim", "32"],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    stderr = proc.stderr.read()
    # wait4, not Popen.wait: the child's own peak RSS, not the largest of every child so far
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"embed --from-blocks failed: {stderr.strip().splitlines()[-1]}")
    return time.monotonic() - started, usage.ru_maxrss / 1024, stderr.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", default="100000,1000000")
    parser.add_argument("--shard-rows", type=int, default=10_000)
    parser.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "pomona-embedding-merge"))
    args = parser.parse_args()
    print("| rows | shards | blocks on disk (GB) | how | seconds | peak RSS of the merge (MB) |")
    print("|---|---|---|---|---|---|")
    for rows in (int(r) for r in args.rows.split(",")):
        folder = os.path.join(args.dir, f"blocks-{rows}")
        write_blocks(folder, rows, args.shard_rows)
        size = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder)) / 1e9
        seconds, rss, how = merge(folder, os.path.join(args.dir, f"embeddings-{rows}.csv"))
        shards = len(os.listdir(folder))
        mode = "shard by shard" if "shard by shard" in how else "in memory"
        print(f"| {rows:,} | {shards} | {size:.2f} | {mode} | {seconds:.1f} | {rss:.0f} |", flush=True)


if __name__ == "__main__":
    main()
