"""KITTI files: 15-field labels in (TAO's detection subset), 16-field predictions out.

Label line: `class trunc occl alpha x1 y1 x2 y2 h w l x y z rot_y`; boxes are continuous pixel-edge
coordinates (x2 is the exclusive right edge). Rules, chosen to fail loudly rather than train on garbage:
- blank lines are skipped; `DontCare` lines are ignored (KITTI's convention for unlabelled regions);
- 15 fields, or 16 (a trailing score, as in prediction files used as labels); anything else is an error;
- fields 2-15 must be finite numbers (occlusion may be written `0` or `0.0`);
- x1 < x2 and y1 < y2, else an error (TAO silently drops such boxes; we prefer to name them);
- a box may stick out of the image by at most BOX_TOLERANCE px (rounding of exported edges) and is
  then clipped; further out is an error.
"""
import math
import os

import numpy as np

from .errors import InputError

BOX_TOLERANCE = 0.5


def parse_label_file(path: str, width: int | None, height: int | None) -> tuple[np.ndarray, list[str]]:
    """Boxes (N,4 float32 x1,y1,x2,y2) and class names (lowercased) of one label file; with no image size
    given, boxes are not checked against the image."""
    boxes, classes, _ = parse_boxes(path, scored=False, width=width, height=height)
    return boxes.astype(np.float32), classes


def parse_boxes(path: str, scored: bool, width: int | None = None, height: int | None = None) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Boxes (N,4 float64), class names (lowercased) and scores (1 where a 15-field line has none) of a
    label file, or with `scored` of a 16-field prediction file."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot read {'prediction' if scored else 'label'} file ({err})") from None
    boxes, classes, scores = [], [], []
    for number, line in enumerate(lines, start=1):
        fields = line.split()
        if not fields:
            continue
        where = f"{path}:{number}"
        if scored and len(fields) != 16:
            raise InputError(f"{where}: expected 16 KITTI fields (score last), found {len(fields)}")
        if len(fields) not in (15, 16):
            raise InputError(f"{where}: expected 15 KITTI fields, found {len(fields)}")
        name = fields[0].lower()
        try:
            values = [float(v) for v in fields[1:]]
        except ValueError:
            k, bad = next((k, v) for k, v in enumerate(fields) if k > 0 and not _is_float(v))
            raise InputError(f"{where}: field {k + 1} is not a number: {bad!r}") from None
        if not all(math.isfinite(v) for v in values):
            raise InputError(f"{where}: non-finite number")
        if name == "dontcare":
            continue
        x1, y1, x2, y2 = values[3:7]
        if not (x1 < x2 and y1 < y2):
            raise InputError(f"{where}: empty box (x1={x1:g} y1={y1:g} x2={x2:g} y2={y2:g})")
        if width is not None and height is not None:
            t = BOX_TOLERANCE
            if x1 < -t or y1 < -t or x2 > width + t or y2 > height + t:
                raise InputError(f"{where}: box ({x1:g},{y1:g},{x2:g},{y2:g}) outside the {width}x{height} image")
            x1, y1, x2, y2 = max(x1, 0.0), max(y1, 0.0), min(x2, float(width)), min(y2, float(height))
        boxes.append((x1, y1, x2, y2))
        classes.append(name)
        scores.append(values[14] if len(values) == 15 else 1.0)
    return np.asarray(boxes, dtype=np.float64).reshape(-1, 4), classes, np.asarray(scores, dtype=np.float64)


def _is_float(v: str) -> bool:
    try:
        float(v)
        return True
    except ValueError:
        return False


def format_prediction(class_name: str, box, score: float) -> str:
    """One 16-field prediction line, score last (TAO inference layout)."""
    x1, y1, x2, y2 = box
    return f"{class_name} 0 0 0 {x1:.2f} {y1:.2f} {x2:.2f} {y2:.2f} 0 0 0 0 0 0 0 {score:.4f}"


def format_label(class_name: str, box) -> str:
    """One 15-field label line."""
    x1, y1, x2, y2 = box
    return f"{class_name} 0.00 0 0.00 {x1:.2f} {y1:.2f} {x2:.2f} {y2:.2f} 0.00 0.00 0.00 0.00 0.00 0.00 0.00"


def stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]
