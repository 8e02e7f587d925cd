"""One push of a pomona project into its LightlyStudio dataset (a DuckDB file); pushing again adds only
what is new: images are matched by path, boxes by image and source, tags by name."""

from __future__ import annotations

import time
from typing import Any

import lightly_studio as ls
from lightly_studio.database import db_manager

from .annotations import add_new_boxes, annotated_images
from .embeddings import PomonaEmbeddings, read_embeddings_csv
from .plan import PushPlan


def push(plan: PushPlan) -> dict[str, Any]:
    """Pushes the plan; returns counts (no image data, no vectors) for the CLI to print."""
    started = time.monotonic()
    plan.db_file.parent.mkdir(parents=True, exist_ok=True)
    db_manager.connect(db_file=str(plan.db_file))
    vectors = read_embeddings_csv(plan.embeddings_csv, plan.images_dir)
    # Before the dataset is created or loaded: ingestion embeds with the default embedder.
    ls.register_default_embedder(embedder=PomonaEmbeddings(vectors, plan.embedding_space))
    dataset = ls.ImageDataset.load_or_create(name=plan.dataset)

    before = len(dataset.query().to_list())
    # The whole folder of pool links at once; images already present are skipped by path, and any
    # image still without a vector (a push that failed halfway) is embedded now.
    dataset.add_images_from_path(path=plan.images_dir, embed=True)
    samples = {sample.file_name: sample for sample in dataset}

    done = annotated_images(dataset)
    boxes = {
        source.name: add_new_boxes(dataset, source, plan.images_dir, done.get(source.name, set()))
        for source in plan.sources
    }

    tags: dict[str, int] = {}
    tags_absent: dict[str, int] = {}
    for tag in plan.tags:
        missing = [name for name in tag.images if name not in samples]
        # Only round 0's tag may name images the dataset lacks: those that left the pool before it was made.
        if missing and not tag.skip_absent:
            raise ValueError(f"tag {tag.name}: {len(missing)} image(s) not in the dataset: {missing[:5]}")
        present = [name for name in tag.images if name in samples]
        for name in present:
            samples[name].add_tag(tag.name)
        tags[tag.name] = len(present)
        if missing:
            tags_absent[tag.name] = len(missing)

    return {
        "dbFile": str(plan.db_file),
        "dataset": plan.dataset,
        "images": len(samples),
        "imagesAdded": len(samples) - before,
        "embeddingsInCsv": len(vectors),
        "boxesAdded": boxes,
        "tags": tags,
        "tagsAbsent": tags_absent,
        "seconds": round(time.monotonic() - started, 2),
    }
