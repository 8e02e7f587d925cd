"""Weighted box fusion of several passes over one image (`infer --scales`; Solovyev et al. 2021, simplified).

The passes (one per scale) each give boxes b_i with scores s_i. Taken in descending score, each box not
yet grouped leads a group: itself and every ungrouped box of its class with IoU >= `iou` against it. A
group becomes one box:
  box   = sum(s_i * b_i) / sum(s_i)                       (score-weighted mean of the corners)
  score = mean(s_i) * min(n, P) / P                        (n boxes in the group, P passes)
so an object found at every scale keeps its mean score, and one seen by a single pass is scaled down by
1/P. Non-maximum suppression would keep the leader's box as it is; on the tree photographs fusing the
passes scored higher AP50 than suppressing them (docs/trainer.md).
"""
import numpy as np

from .metrics import iou_matrix

FUSION_IOU = 0.6


def fuse(boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, passes: int, iou: float = FUSION_IOU) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fused boxes (k,4), scores, classes and the index of each group's leader in the input, best first."""
    order = np.argsort(-scores, kind="stable")
    boxes, scores, classes = boxes[order], scores[order], classes[order]
    grouped = np.zeros(len(boxes), bool)
    fused_boxes, fused_scores, fused_classes, leaders = [], [], [], []
    for i in range(len(boxes)):
        if grouped[i]:
            continue
        group = ~grouped & (classes == classes[i]) & (iou_matrix(boxes[i:i + 1], boxes)[0] >= iou)
        group[i] = True
        grouped |= group
        w = scores[group]
        fused_boxes.append((boxes[group] * w[:, None]).sum(0) / w.sum())
        fused_scores.append(w.mean() * min(int(group.sum()), passes) / passes)
        fused_classes.append(classes[i])
        leaders.append(order[i])
    best = np.argsort(-np.asarray(fused_scores, np.float64), kind="stable")
    return (np.asarray(fused_boxes, np.float64).reshape(-1, 4)[best], np.asarray(fused_scores, np.float64)[best],
            np.asarray(fused_classes, np.int64)[best], np.asarray(leaders, np.int64)[best])
