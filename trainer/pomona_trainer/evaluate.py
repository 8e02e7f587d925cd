"""`evaluate`: mAP@0.5 of a folder of KITTI predictions against a folder of KITTI labels.

The project's definition (docs/metrics.md), the same number as `pomona evaluate` (core/metrics; a test
checks that they agree): VOC all-point AP at IoU 0.5 per class (metrics.average_precision), averaged over
the classes that have ground truth; class names compared lowercased; detections of other classes are
ignored. Every label file is one image (an image without objects has an empty file); a missing
prediction file means no detections for that image. Prints one JSON object, and writes it to --out.
"""
import json
import os
from dataclasses import dataclass

from . import kitti
from .errors import InputError
from .fsutil import write_text_atomic
from .metrics import average_precision


def evaluate_folders(labels_dir: str, pred_dir: str) -> dict:
    if not os.path.isdir(labels_dir):
        raise InputError(f"--labels {labels_dir}: not a folder")
    if not os.path.isdir(pred_dir):
        raise InputError(f"--pred {pred_dir}: not a folder")
    names = sorted(n[:-4] for n in os.listdir(labels_dir) if n.endswith(".txt"))
    if not names:
        raise InputError(f"--labels {labels_dir}: no .txt label files")
    gt, dt = [], []
    for name in names:
        gt.append(kitti.parse_boxes(os.path.join(labels_dir, name + ".txt"), scored=False))
        pred_path = os.path.join(pred_dir, name + ".txt")
        dt.append(kitti.parse_boxes(pred_path, scored=True) if os.path.exists(pred_path) else None)
    classes = sorted({c for _, names_, _ in gt for c in names_})
    per_class = {}
    for cls in classes:
        truths = [boxes[[c == cls for c in names_]] for boxes, names_, _ in gt]
        detections = []
        for found in dt:
            if found is None:
                detections.append(([], []))
                continue
            boxes, names_, scores = found
            keep = [c == cls for c in names_]
            detections.append((boxes[keep], scores[keep]))
        per_class[cls] = average_precision(detections, truths)
    return {
        "map50": sum(per_class.values()) / len(per_class) if per_class else 0.0,
        "ap50_per_class": per_class,
        "images": len(names),
        "gt_boxes": sum(len(g[1]) for g in gt),
        "detections": sum(len(d[1]) for d in dt if d is not None),
    }


@dataclass
class EvaluateOptions:
    """What `evaluate` is asked to do (the command line's flags)."""

    labels: str
    pred: str
    out: str | None = None


def run(args: EvaluateOptions) -> int:
    result = evaluate_folders(args.labels, args.pred)
    text = json.dumps(result)
    if args.out:
        write_text_atomic(args.out, text + "\n")
    print(text)
    return 0
