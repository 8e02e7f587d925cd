"""Tiled inference for images larger than a tile (the SAHI idea: slice, detect, merge).

An image of at most `tile` px on each side is one window. A larger one is cut, per axis, into windows of
`tile` px starting at 0, tile - overlap, 2 (tile - overlap), ... and a last one flush with the far edge.
Merging, per image:
  1. each window keeps only the detections whose centre lies in its core: the image is split at the
     middle of every overlap, so each point belongs to exactly one window's core; an object narrower
     than half the overlap is then seen whole by the window that keeps it;
  2. a detection that still overlaps one from another window by IoU >= 0.5 (the same object whose
     centres fell either side of a seam) is dropped in favour of the higher-scoring one.
Windows are padded (grey) to multiples of 32, the network's stride.
"""
import itertools
import math
from dataclasses import dataclass

import numpy as np

from . import defaults
from .metrics import iou_matrix

DEFAULT_TILE: int = defaults.INFER["tile"]
DEFAULT_OVERLAP: int = defaults.INFER["overlap"]
SEAM_IOU = 0.5


@dataclass(frozen=True)
class Window:
    x0: int
    y0: int
    x1: int  # exclusive
    y1: int
    core: tuple[float, float, float, float]  # x from, y from, x to, y to (centres in [from, to))

    @property
    def padded_shape(self) -> tuple[int, int]:
        return math.ceil((self.y1 - self.y0) / 32) * 32, math.ceil((self.x1 - self.x0) / 32) * 32


def _starts(extent: int, tile: int, overlap: int) -> list[int]:
    if extent <= tile:
        return [0]
    step = tile - overlap
    return list(range(0, extent - tile, step)) + [extent - tile]


def _cores(starts: list[int], size: int) -> list[tuple[float, float]]:
    seams = [(nxt + prev + size) / 2 for prev, nxt in itertools.pairwise(starts)]
    return list(zip([-math.inf] + seams, seams + [math.inf]))


def windows(width: int, height: int, tile: int = DEFAULT_TILE, overlap: int = DEFAULT_OVERLAP) -> list[Window]:
    if tile % 32 or tile < 64:
        raise ValueError(f"tile {tile}: must be a multiple of 32, at least 64")
    if not 0 <= overlap < tile // 2:
        raise ValueError(f"overlap {overlap}: must be within 0..tile/2")
    xs, ys = _starts(width, tile, overlap), _starts(height, tile, overlap)
    tw, th = min(width, tile), min(height, tile)
    out = []
    for y0, (cy0, cy1) in zip(ys, _cores(ys, th)):
        for x0, (cx0, cx1) in zip(xs, _cores(xs, tw)):
            out.append(Window(x0, y0, x0 + tw, y0 + th, (cx0, cy0, cx1, cy1)))
    return out


def merge(per_window: list[tuple[np.ndarray, ...]], wins: list[Window]) -> tuple[np.ndarray, ...]:
    """Boxes (image px, (k,4)), scores, and any further per-box arrays (class indices, class probabilities)
    of one image from its windows' detections (boxes already in image px), filtered and ordered alike.

    A duplicate at a seam is the same object whatever class each window gave it: the better box stays.
    """
    boxes, scores, extras, owner = [], [], [], []
    for w, (b, s, *more) in enumerate(per_window):
        cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
        x_from, y_from, x_to, y_to = wins[w].core
        keep = (cx >= x_from) & (cx < x_to) & (cy >= y_from) & (cy < y_to)
        boxes.append(b[keep])
        scores.append(s[keep])
        extras.append([m[keep] for m in more])
        owner.append(np.full(int(keep.sum()), w))
    b, s, o = np.concatenate(boxes).reshape(-1, 4), np.concatenate(scores), np.concatenate(owner)
    more = [np.concatenate([e[j] for e in extras]) for j in range(len(extras[0]))] if extras else []
    order = np.argsort(-s, kind="stable")
    b, s, o = b[order], s[order], o[order]
    more = [m[order] for m in more]
    if len(wins) > 1 and len(b):
        # only a box reaching into another window's core can duplicate one of that window
        cores = np.array([w.core for w in wins])
        reaches = (b[:, None, 2] > cores[None, :, 0]) & (b[:, None, 0] < cores[None, :, 2]) & (b[:, None, 3] > cores[None, :, 1]) & (b[:, None, 1] < cores[None, :, 3])
        reaches[np.arange(len(b)), o] = False
        candidates = np.flatnonzero(reaches.any(1))
        dropped = np.zeros(len(b), bool)
        if len(candidates):
            cb, co = b[candidates].astype(np.float64), o[candidates]
            for k, i in enumerate(candidates):  # best first: a box yields to a better one of another window
                if dropped[i]:
                    continue
                later = slice(k + 1, None)
                clash = (iou_matrix(cb[k:k + 1], cb[later])[0] >= SEAM_IOU) & (co[later] != co[k])
                dropped[candidates[k + 1:][clash]] = True
        b, s = b[~dropped], s[~dropped]
        more = [m[~dropped] for m in more]
    return (b, s, *more)
