"""A pool's embedding in shards: each shard's feature blocks in a file, whitened together at the end.

`backbone` and `scene` embeddings are per-image features (blocks B_1..B_m, one row per image) followed by
whitening.whiten over the whole pool (centring, block scaling and the PCA need every row), so a pool
cut into shards is embedded as `embed --images SHARD --blocks-out SHARD.npz` per shard, then
`embed --from-blocks DIR --out CSV` concatenates the shards' blocks in the order of their file names and
whitens them: the same rows in the same order as one `embed` of the whole folder, hence the same CSV.
`ssl` trains its encoder on the whole pool and has no blocks.

A blocks file (.npz, numpy's zip of arrays): `names` (the images' file names, in order), `block_0` ..
`block_{m-1}` (float64, one row per name) and `features` (the feature set's name, so shards of different
sets are never mixed). float64 keeps the whole-folder result exact: scene statistics are computed in it.
"""
import os
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


def load_folder(folder: str) -> tuple[str, list[str], list[np.ndarray]]:
    """(features, names, blocks) of every blocks file in `folder`, concatenated in file-name order."""
    if not os.path.isdir(folder):
        raise InputError(f"--from-blocks {folder}: no such folder")
    files = sorted(f for f in os.listdir(folder) if f.endswith(SUFFIX))
    if not files:
        raise InputError(f"--from-blocks {folder}: no {SUFFIX} files")
    features, names, parts = None, [], []
    for name in files:
        path = os.path.join(folder, name)
        try:
            with np.load(path, allow_pickle=False) as data:
                kind = str(data["features"])
                shard_names = [str(n) for n in data["names"]]
                count = sum(1 for k in data.files if k.startswith("block_"))
                blocks = [data[f"block_{i}"] for i in range(count)]
        except (OSError, ValueError, KeyError) as err:
            raise InputError(f"{path}: not a blocks file ({err})") from err
        if features is not None and kind != features:
            raise InputError(f"{path}: {kind} features, the other files hold {features}")
        if parts and len(blocks) != len(parts[0]):
            raise InputError(f"{path}: {len(blocks)} blocks, the other files {len(parts[0])}")
        if any(len(b) != len(shard_names) for b in blocks):
            raise InputError(f"{path}: blocks and names differ in length")
        features = kind
        names.extend(shard_names)
        parts.append(blocks)
    assert features is not None
    return features, names, [np.concatenate([p[i] for p in parts]) for i in range(len(parts[0]))]
