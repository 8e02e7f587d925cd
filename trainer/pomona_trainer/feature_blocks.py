"""A pool's embedding in shards: each shard's feature blocks in a file, whitened together at the end.

`backbone` and `scene` embeddings are per-image features (blocks B_1..B_m, one row per image) followed by
whitening.whiten over the whole pool (centring, block scaling and the PCA need every row), so a pool
cut into shards is embedded as `embed --images SHARD --blocks-out SHARD.npz` per shard, then
`embed --from-blocks DIR --out CSV` whitens the shards' blocks together, in the order of their file names:
the same rows in the same order as one `embed` of the whole folder, hence the same CSV. A pool of more
than 20,000 rows is whitened shard by shard instead (streaming_whitening.py: the same distances between
rows, at a memory that does not grow with the pool).
`ssl` trains its encoder on the whole pool and has no blocks.

A blocks file (.npz, numpy's zip of arrays): `names` (the images' file names, in order), `block_0` ..
`block_{m-1}` (float64, one row per name) and `features` (the feature set's name, so shards of different
sets are never mixed). float64 keeps the whole-folder result exact: scene statistics are computed in it.
"""
import os
from collections.abc import Iterator
from typing import Any

import numpy as np

from .errors import InputError
from .fsutil import atomic_path

SUFFIX = ".npz"


def save(path: str, features: str, names: list[str], blocks: list) -> None:
    """Writes the blocks (arrays, or lists of rows) atomically: a retried shard never leaves half a file."""
    arrays: dict[str, Any] = {f"block_{i}": np.asarray(b, np.float64) for i, b in enumerate(blocks)}
    arrays.update(names=np.array(names), features=np.array(features))
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, **arrays)


def files_in(folder: str) -> list[str]:
    """The blocks files of a folder, in file-name order (the shards' order)."""
    if not os.path.isdir(folder):
        raise InputError(f"--from-blocks {folder}: no such folder")
    files = sorted(f for f in os.listdir(folder) if f.endswith(SUFFIX))
    if not files:
        raise InputError(f"--from-blocks {folder}: no {SUFFIX} files")
    return [os.path.join(folder, f) for f in files]


def _read(path: str, names_only: bool) -> tuple[str, list[str], list[np.ndarray]]:
    try:
        with np.load(path, allow_pickle=False) as data:
            kind = str(data["features"])
            names = [str(n) for n in data["names"]]
            count = sum(1 for k in data.files if k.startswith("block_"))
            blocks = [] if names_only else [data[f"block_{i}"] for i in range(count)]
    except (OSError, ValueError, KeyError) as err:
        raise InputError(f"{path}: not a blocks file ({err})") from err
    if any(len(b) != len(names) for b in blocks):
        raise InputError(f"{path}: blocks and names differ in length")
    return kind, names, blocks


def shards(files: list[str]) -> Iterator[tuple[str, list[str], list[np.ndarray]]]:
    """(features, names, blocks) of each file in turn, one in memory at a time, each checked against the first."""
    first: tuple[str, int] | None = None
    for path in files:
        kind, names, blocks = _read(path, names_only=False)
        if first is not None and kind != first[0]:
            raise InputError(f"{path}: {kind} features, the other files hold {first[0]}")
        if first is not None and len(blocks) != first[1]:
            raise InputError(f"{path}: {len(blocks)} blocks, the other files {first[1]}")
        first = first or (kind, len(blocks))
        yield kind, names, blocks


def row_count(files: list[str]) -> int:
    """The pool's rows, from the names alone."""
    return sum(len(_read(path, names_only=True)[1]) for path in files)


def load(files: list[str]) -> tuple[str, list[str], list[np.ndarray]]:
    """(features, names, blocks) of every file, concatenated in order."""
    parts = list(shards(files))
    names = [n for _, shard_names, _ in parts for n in shard_names]
    return parts[0][0], names, [np.concatenate([p[2][i] for p in parts]) for i in range(len(parts[0][2]))]
