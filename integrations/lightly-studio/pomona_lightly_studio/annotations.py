"""Boxes from COCO files into annotation sources, each image's boxes once.

LightlyStudio appends when a source is reused, so a second push would duplicate every box; instead the
images that already have boxes in the source are left out of the file it imports.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from pathlib import Path

import lightly_studio as ls

from .plan import AnnotationSource


def annotated_images(dataset: ls.ImageDataset) -> dict[str, set[str]]:
    """File names of the images with at least one box, by annotation source."""
    by_source: dict[str, set[str]] = {}
    for sample in dataset:
        for annotation in sample.annotations:
            by_source.setdefault(annotation.annotation_source, set()).add(sample.file_name)
    return by_source


def without_images(coco: dict, skip: Iterable[str]) -> dict:
    """The COCO document less the images in `skip` and less images without boxes (nothing to add)."""
    skipped = set(skip)
    boxed = {a["image_id"] for a in coco["annotations"]}
    images = [i for i in coco["images"] if i["file_name"] not in skipped and i["id"] in boxed]
    kept = {i["id"] for i in images}
    return {
        **coco,
        "images": images,
        "annotations": [a for a in coco["annotations"] if a["image_id"] in kept],
    }


def add_new_boxes(
    dataset: ls.ImageDataset, source: AnnotationSource, images_dir: Path, done: set[str]
) -> int:
    """Adds the boxes of the images not yet in `source`; returns how many boxes were added."""
    coco = without_images(json.loads(source.coco.read_text(encoding="utf-8")), done)
    if not coco["annotations"]:
        return 0
    with tempfile.TemporaryDirectory(prefix="pomona-lightly-") as tmp:
        file = Path(tmp) / "new.json"
        file.write_text(json.dumps(coco), encoding="utf-8")
        # No crop embedder: LightlyStudio would otherwise download its default model for the boxes.
        dataset.add_annotations_from_coco(
            annotations_json=file,
            images_root=images_dir,
            annotation_source=source.name,
            embed_annotations=False,
        )
    return len(coco["annotations"])
