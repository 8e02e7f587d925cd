"""MinneApple instance masks: 8-bit single-channel PNG, 0 = background, each instance its own id.

Instance box = min/max pixel of its id with exclusive right/bottom edges (x2 = max_x + 1), the project's
pixel-edge convention (MinneApple's own loader uses x2 = max_x).
"""
import os

import numpy as np
from PIL import Image

from . import kitti


def mask_boxes(mask: np.ndarray) -> dict[int, tuple[int, int, int, int]]:
    """{instance id: (x1, y1, x2, y2)} for every non-zero id in an HxW integer mask."""
    ys, xs = np.nonzero(mask)
    ids = mask[ys, xs].astype(np.int64)
    if ids.size == 0:
        return {}
    size = int(ids.max()) + 1
    x1 = np.full(size, np.iinfo(np.int64).max)
    y1 = x1.copy()
    x2 = np.full(size, -1)
    y2 = x2.copy()
    np.minimum.at(x1, ids, xs)
    np.minimum.at(y1, ids, ys)
    np.maximum.at(x2, ids, xs)
    np.maximum.at(y2, ids, ys)
    return {int(i): (int(x1[i]), int(y1[i]), int(x2[i]) + 1, int(y2[i]) + 1) for i in np.unique(ids)}


def masks_to_kitti(masks_dir: str, labels_dir: str, class_name: str = "apple") -> int:
    """Writes one 15-field KITTI label file per mask PNG; returns the number of boxes written."""
    os.makedirs(labels_dir, exist_ok=True)
    total = 0
    for name in sorted(os.listdir(masks_dir)):
        if not name.lower().endswith(".png"):
            continue
        with Image.open(os.path.join(masks_dir, name)) as im:
            mask = np.asarray(im)
        boxes = mask_boxes(mask)
        lines = [kitti.format_label(class_name, b) for _, b in sorted(boxes.items())]
        total += len(lines)
        with open(os.path.join(labels_dir, kitti.stem(name) + ".txt"), "w", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in lines))
    return total
