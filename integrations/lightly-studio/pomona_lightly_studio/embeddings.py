"""pomona's embeddings (Lightly's CSV: filenames,embedding_0..,labels) as LightlyStudio's image embedder.

Registered before images are added, so LightlyStudio stores these vectors and never downloads a model.
"""

from __future__ import annotations

import csv
from pathlib import Path

import lightly_studio as ls
import numpy as np
from lightly_studio_serve.embedder import ImagePathEmbedder
from numpy.typing import NDArray


def read_embeddings_csv(file: Path, images_dir: Path) -> dict[str, NDArray[np.float32]]:
    """Vectors by absolute image path (the CSV names files relative to the pool's images folder)."""
    with file.open(newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        header = next(rows)
        name_column = header.index("filenames")
        columns = [i for i, h in enumerate(header) if h.startswith("embedding_")]
        root = images_dir.absolute().as_posix()
        return {
            f"{root}/{row[name_column]}": np.array([float(row[i]) for i in columns], dtype=np.float32)
            for row in rows
            if row
        }


class PomonaEmbeddings(ImagePathEmbedder):
    """Looks each image's vector up by path; an image the CSV lacks is left without one."""

    def __init__(self, vectors: dict[str, NDArray[np.float32]], space_key: str) -> None:
        if not vectors:
            raise ValueError("the embeddings CSV has no rows")
        self._vectors = vectors
        self._space_key = space_key
        self._dimension = len(next(iter(vectors.values())))

    def embedding_space_spec(self) -> ls.EmbeddingSpaceSpec:
        return ls.EmbeddingSpaceSpec(space_key=self._space_key, dimension=self._dimension)

    def embed_images(self, paths: list[str]) -> ls.EmbeddingResult:
        kept = [i for i, p in enumerate(paths) if p in self._vectors]
        rows = [self._vectors[paths[i]] for i in kept]
        embeddings = np.stack(rows) if rows else np.empty((0, self._dimension), dtype=np.float32)
        return ls.EmbeddingResult(embeddings=embeddings, kept_indices=kept)
