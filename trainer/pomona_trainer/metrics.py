"""AP@0.5 for validation during training (VOC all-point, the project's definition in DESIGN.md).

Detections of all images are sorted by score; each is a true positive when its highest-IoU ground truth
in the same image has IoU >= 0.5 and is not yet taken, else a false positive. AP is the area under the
precision-recall curve after making precision monotone (max of precision at any higher recall).
"""
import numpy as np


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of boxes a (n,4) against b (m,4), pixel-edge coordinates (no +1)."""
    ix = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    iy = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = ix * iy
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-12)


def average_precision(detections, ground_truths, iou_threshold: float = 0.5) -> float:
    """detections: per image (boxes (k,4), scores (k,)); ground_truths: per image boxes (n,4)."""
    total = sum(len(g) for g in ground_truths)
    if total == 0:
        return 0.0
    entries = []  # (score, image, box index)
    for i, (boxes, scores) in enumerate(detections):
        entries.extend((float(s), i, j) for j, s in enumerate(scores))
    entries.sort(key=lambda e: -e[0])
    taken = [np.zeros(len(g), bool) for g in ground_truths]
    ious = [iou_matrix(np.asarray(d[0], np.float64).reshape(-1, 4), np.asarray(g, np.float64).reshape(-1, 4)) for d, g in zip(detections, ground_truths)]
    tp = np.zeros(len(entries))
    for k, (_, i, j) in enumerate(entries):
        if ious[i].shape[1] == 0:
            continue
        best = int(np.argmax(ious[i][j]))
        if ious[i][j, best] >= iou_threshold and not taken[i][best]:
            taken[i][best] = True
            tp[k] = 1
    ctp = np.cumsum(tp)
    recall = ctp / total
    precision = ctp / np.arange(1, len(entries) + 1)
    r = np.concatenate([[0.0], recall, [1.0]])
    p = np.concatenate([[0.0], precision, [0.0]])
    p = np.maximum.accumulate(p[::-1])[::-1]
    changed = np.nonzero(r[1:] != r[:-1])[0]
    return float(np.sum((r[changed + 1] - r[changed]) * p[changed + 1]))
