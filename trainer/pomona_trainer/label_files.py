"""KITTI label folders as the trainer reads them (no torch, so the tests' stand-in trainer reads them alike).

An image is used when `<stem>.txt` exists beside it in the labels folder (TAO's rule); a label file without
an image is an error. The class order is the one given (lowercase), else the classes found, most frequent
first, ties by name; a label of a class outside a given order is an error naming its file.
"""
import os
from collections import Counter

from . import kitti
from .errors import InputError
from .images import IMAGE_EXTENSIONS


def find_pairs(images_dir: str, labels_dir: str, images_flag="--images", labels_flag="--labels") -> list[tuple[str, str]]:
    """(image, label) pairs, by label file name."""
    for folder, flag in ((images_dir, images_flag), (labels_dir, labels_flag)):
        if not os.path.isdir(folder):
            raise InputError(f"{flag} {folder}: no such directory")
    by_stem: dict[str, str] = {}
    for name in sorted(os.listdir(images_dir)):
        if name.lower().endswith(IMAGE_EXTENSIONS) and not name.startswith("."):
            stem = kitti.stem(name)
            if stem in by_stem:
                raise InputError(f"{os.path.join(images_dir, name)}: two images share the name {stem!r}")
            by_stem[stem] = os.path.join(images_dir, name)
    pairs = []
    for name in sorted(os.listdir(labels_dir)):
        if not name.endswith(".txt") or name.startswith("."):
            continue
        label = os.path.join(labels_dir, name)
        image = by_stem.get(name[:-4])
        if image is None:
            raise InputError(f"{label}: no image named {name[:-4]}.* in {images_dir}")
        pairs.append((image, label))
    if not pairs:
        raise InputError(f"{labels_flag} {labels_dir}: no label files (<image name>.txt) for the images in {images_dir}")
    return pairs


def class_order(found: list[tuple[str, list[str]]], classes: list[str] | None) -> list[str]:
    """The output order of the classes of (label file, its boxes' classes) pairs; see the module docstring."""
    names = Counter(c for _, cs in found for c in cs)
    order = [c.lower() for c in classes] if classes else [n for n, _ in sorted(names.items(), key=lambda kv: (-kv[1], kv[0]))] or ["apple"]
    for label_path, cs in found:
        unknown = sorted({c for c in cs if c not in order})
        if unknown:
            raise InputError(f"{label_path}: class {unknown[0]!r} is not one of --classes {','.join(order)}")
    return order
