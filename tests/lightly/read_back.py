"""Reads a LightlyStudio dataset back through LightlyStudio's own Python API, for tests/lightly.

`python read_back.py DB_FILE DATASET` prints one JSON object: every image's file name, embedding (of the
dataset's default embedding model), tags and boxes by annotation source. LightlyStudio 1.2 has no public
getter for embeddings; they are read with the resolvers its GUI uses. Run with analytics off
(LIGHTLY_STUDIO_ANALYTICS_ENABLED=false, as lightlyStudioEnv() sets it).
"""

from __future__ import annotations

import json
import sys

import lightly_studio as ls
from lightly_studio.database import db_manager
from lightly_studio.resolvers import (
    collection_embedding_model_resolver,
    embedding_model_resolver,
    sample_embedding_resolver,
)


def main(db_file: str, name: str) -> None:
    db_manager.connect(db_file=db_file, must_exist=True)
    dataset = ls.ImageDataset.load(name=name)
    samples = list(dataset)
    model_id = collection_embedding_model_resolver.get_default_by_collection_id(
        session=dataset.session, collection_id=dataset.collection_id
    )
    model = (
        embedding_model_resolver.get_by_id(session=dataset.session, embedding_model_id=model_id)
        if model_id
        else None
    )
    rows = (
        sample_embedding_resolver.get_by_sample_ids(
            session=dataset.session,
            sample_ids=[s.sample_id for s in samples],
            embedding_model_id=model_id,
        )
        if model_id
        else []
    )
    vector_of = {row.sample_id: [float(v) for v in row.embedding] for row in rows}
    images = []
    for sample in samples:
        boxes: dict[str, list[dict]] = {}
        for a in sample.annotations:
            boxes.setdefault(a.annotation_source, []).append(
                {
                    "class": a.class_name,
                    "x": a.x,
                    "y": a.y,
                    "width": a.width,
                    "height": a.height,
                    "confidence": a.confidence,
                }
            )
        images.append(
            {
                "file_name": sample.file_name,
                "path": sample.file_path_abs,
                "tags": sorted(sample.tags),
                "embedding": vector_of.get(sample.sample_id),
                "boxes": boxes,
            }
        )
    models = embedding_model_resolver.get_all_by_dataset_id(
        session=dataset.session, dataset_id=dataset.dataset_id
    )
    print(
        json.dumps(
            {
                "embeddingModel": model.name if model else None,
                "embeddingModels": len(models),
                "images": sorted(images, key=lambda i: i["file_name"]),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
