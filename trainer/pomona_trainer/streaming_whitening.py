"""Whitening of a pool too large to hold: whitening.whiten's result, computed shard by shard.

For the shards' blocks files (feature_blocks.py) of N rows in all and d = sum of block widths columns:
  pass 1 accumulates N, the column sums s = sum_rows x and the Gram matrix G = sum_rows x^T x (d x d);
    mean mu = s / N, centred scatter C = G - N mu mu^T, each block's root total variance
    r_b = sqrt(trace(C_bb) / N) (whitening.whiten's block scale), D = diag(1 / r_b per column of block b);
    the scaled scatter D C D = V L V^T (symmetric eigendecomposition, eigenvalues descending), whose
    eigenvalues are the squared singular values s_i^2 of the scaled, centred X that whiten decomposes;
  k = min(dim, #{i : s_i >= 5% of s_1}), as in whiten;
  pass 2 projects each shard's rows, e = ((x - mu) D) V_k / (s_k / sqrt(N)), L2-normalises them and
    yields them, so no more than one shard's rows and a d x d matrix are in memory.
The components are whiten's up to each one's sign (an eigenvector's sign is arbitrary; here its largest
entry is made positive), so distances between rows, which is all selection uses, are whiten's up to
rounding. Forming C squares the condition number: components under 5% of s_1 (0.25% of L_1) are dropped
anyway, well within float64.
"""
import math
from collections.abc import Iterator

import numpy as np

from .whitening import MIN_COMPONENT


def whitening_transform(shards: Iterator[list[np.ndarray]], dim: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mu, column scale, projection d x dim) from one pass over the shards' blocks."""
    n, total, gram, widths = 0, None, None, None
    for blocks in shards:
        x = np.concatenate(blocks, 1)
        if total is None or gram is None:
            widths = [b.shape[1] for b in blocks]
            total, gram = np.zeros(x.shape[1]), np.zeros((x.shape[1], x.shape[1]))
        n += len(x)
        total += x.sum(0)
        gram += x.T @ x
    assert total is not None and gram is not None and widths is not None and n > 0
    mu = total / n
    scatter = gram - n * np.outer(mu, mu)
    scale = np.empty(len(mu))
    start = 0
    for w in widths:
        block = slice(start, start + w)
        scale[block] = 1 / math.sqrt(max(np.trace(scatter[block, block]), 0.0) / n + 1e-12)
        start += w
    eigenvalues, vectors = np.linalg.eigh(scatter * np.outer(scale, scale))
    order = np.argsort(eigenvalues)[::-1]
    sv = np.sqrt(np.clip(eigenvalues[order], 0, None))
    vectors = vectors[:, order]
    vectors *= np.where(vectors[np.abs(vectors).argmax(0), np.arange(vectors.shape[1])] < 0, -1.0, 1.0)
    k = min(dim, int((sv >= MIN_COMPONENT * sv[0]).sum())) if len(sv) and sv[0] > 1e-12 else 0
    projection = np.zeros((len(mu), dim))
    projection[:, :k] = vectors[:, :k] / (sv[:k] / math.sqrt(n))
    return mu, scale, projection


def project(blocks: list[np.ndarray], mu: np.ndarray, scale: np.ndarray, projection: np.ndarray) -> np.ndarray:
    """One shard's rows, whitened and L2-normalised."""
    out = ((np.concatenate(blocks, 1) - mu) * scale) @ projection
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
