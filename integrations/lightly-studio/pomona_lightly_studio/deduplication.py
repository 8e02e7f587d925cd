"""LightlyStudio's deduplication strategy on pomona's embeddings, for the loop's selection.

LightlyStudio's `EmbeddingDeduplicationStrategy` is its diversity selection (farthest-point, in its Rust
`lightly_mundig` engine) with a stopping condition: it keeps adding the image farthest from those kept so
far and stops once that image would lie closer than `minimum_distance` (Euclidean, on the vectors as given)
to one of them. The images kept are a spread-out cover of the pool in which no two are nearer than the
distance; every other image has a kept one within it, so it counts as a near-duplicate.

Runs on the vectors alone (no dataset file, no database lock), so the loop can use it while the GUI is open.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from lightly_studio.sampling.mundig import Mundig
from numpy.typing import NDArray


def read_vectors(file: Path) -> tuple[list[str], NDArray[np.float32]]:
    """File names and vectors of a Lightly embeddings CSV (filenames,embedding_0..,labels)."""
    with file.open(newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        header = next(rows, None)
        if header is None or "filenames" not in header:
            raise ValueError(f"{file}: not a Lightly embeddings CSV (no `filenames` column in the header)")
        name_column = header.index("filenames")
        columns = [i for i, h in enumerate(header) if h.startswith("embedding_")]
        if not columns:
            raise ValueError(f"{file}: no embedding_<i> columns")
        names: list[str] = []
        vectors: list[list[float]] = []
        for line, row in enumerate(rows, start=2):
            if not row:
                continue
            try:
                vectors.append([float(row[i]) for i in columns])
            except (IndexError, ValueError) as err:
                raise ValueError(f"{file}:{line}: {err}") from err
            names.append(row[name_column])
    return names, np.asarray(vectors, dtype=np.float32).reshape(len(names), len(columns))


def kept_rows(vectors: NDArray[np.float32], minimum_distance: float) -> list[int]:
    """Rows LightlyStudio keeps when it deduplicates at `minimum_distance`, in the order it picks them."""
    if len(vectors) == 0:
        return []
    selection = Mundig()
    selection.add_diversity(vectors, strength=1.0, stopping_condition_minimum_distance=minimum_distance)
    return [int(i) for i in selection.run(n_samples=len(vectors))]
