"""The push plan pomona's CLI writes (core/lightly-studio/push-plan.ts): what one push puts into the dataset.

Paths and names only; images, embeddings and boxes stay in their files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class AnnotationSource:
    """A COCO file whose boxes go to one LightlyStudio annotation source (its name)."""

    name: str
    coco: Path


@dataclass(frozen=True)
class SelectionTag:
    """A tag on the images of one round's selection (file names under the images folder).

    `skip_absent`: round 0's validation batch, whose images leave the pool once labelled; a dataset pushed
    before that holds them, one pushed after does not. Any other tag's images must all be in the dataset.
    """

    name: str
    images: list[str]
    skip_absent: bool


@dataclass(frozen=True)
class PushPlan:
    db_file: Path
    dataset: str
    images_dir: Path
    embeddings_csv: Path
    embedding_space: str
    sources: list[AnnotationSource]
    tags: list[SelectionTag]


def read_plan(file: Path) -> PushPlan:
    doc = json.loads(file.read_text(encoding="utf-8"))
    return PushPlan(
        db_file=Path(doc["dbFile"]),
        dataset=doc["dataset"],
        images_dir=Path(doc["imagesDir"]),
        embeddings_csv=Path(doc["embeddings"]["csv"]),
        embedding_space=doc["embeddings"]["spaceKey"],
        sources=[AnnotationSource(name=s["name"], coco=Path(s["coco"])) for s in doc["sources"]],
        tags=[
            SelectionTag(name=t["name"], images=list(t["images"]), skip_absent=bool(t["skipAbsent"]))
            for t in doc["tags"]
        ],
    )
