"""Whitened PCA of feature blocks: the last step of the embeddings that train nothing (`scene`, `backbone`).

blocks B_1..B_m (each N x w_b, one row per image) -> N x dim, L2-normalised rows:
  - each block is centred over the pool and divided by its root total variance,
    sqrt(sum_rows ||row - mean||^2 / N): one scale per block, not per column (z-scoring a histogram bin
    that only a few images fill would turn those few into outliers), so no block dominates by its width;
  - X = [B_1 .. B_m] = U S V^T (SVD); k = min(dim, #{i : s_i >= 5% of s_1}): the weaker components are
    mostly noise, which whitening would inflate;
  - e = X V_k / (S_k / sqrt(N)): each kept component at unit variance (whitening: k-center on unwhitened
    features follows the one or two directions of largest variance, e.g. picks outliers of brightness);
  - rows L2-normalised; columns k..dim-1 are 0 (a pool of N < dim images has at most N - 1 components).
"""
import math

import numpy as np

MIN_COMPONENT = 0.05


def whiten(blocks: list, dim: int) -> np.ndarray:
    scaled = []
    for block in blocks:
        centred = block - block.mean(0)
        scaled.append(centred / math.sqrt((centred ** 2).sum() / len(block) + 1e-12))
    x = np.concatenate(scaled, 1)
    _, sv, vt = np.linalg.svd(x, full_matrices=False)
    k = min(dim, int((sv >= MIN_COMPONENT * sv[0]).sum())) if len(sv) and sv[0] > 1e-12 else 0
    out = np.zeros((len(x), dim))
    out[:, :k] = (x @ vt[:k].T) / (sv[:k] / math.sqrt(len(x)))
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.maximum(norms, 1e-12)
