"""`embed --features backbone`: pool embeddings from the detector's ImageNet-pretrained EfficientNet-Lite0.

Per image x (HxWx3, uint8):
  1. resize, aspect kept up to rounding: the shorter side to SHORT_SIDE (224 px, the size the weights were
     trained at), each side then rounded to a multiple of 32 (the network's stride), the longer side capped
     at MAX_ASPECT x the shorter; 640x360 becomes 384x224. Bilinear with Pillow's antialiasing.
  2. normalise with ImageNet's mean and std (backbone.IMAGENET_MEAN / IMAGENET_STD), as the weights expect.
  3. run `backbone.EfficientNetLite0Features(pretrained=True)` in eval mode (BatchNorm's running statistics),
     no gradients, and average each of two pyramid levels over all positions (global average pooling):
       f(x) = [ mean_{u,v} c32(x)[:, u, v]  (320 values),  mean_{u,v} c16(x)[:, u, v]  (112 values) ].
     Why both: c32 is the most semantic level, but at 224 px it has 7 x 12 cells and an apple covers well
     under one, so apple colour, size and density reach it only as a faint share of each cell; c16's
     cells are 4x finer and carry those textures (on the synthetic pools either level alone selects as
     well as both: docs/selection.md; the reason is real photographs' smaller apples). The classifier head (1280 channels) is not in the
     backbone and, trained on ImageNet's object classes, would say little about orchard scenes.
Over the pool (N images), the blocks F32 (N x 320) and F16 (N x 112) go through whitening.whiten: each
is centred and divided by its root total variance, sqrt(sum ||row - mean||^2 / N), so neither level weighs
more for being wider; the concatenation X (N x 432) = U S V^T (SVD) keeps its top components,
  k = min(dim, #{i : s_i >= 5% of s_1}),   e(x) = X V_k / (S_k / sqrt(N))   (each at unit variance),
and rows are L2-normalised; columns beyond k are 0 (a pool of N < dim images has at most N - 1).
Whitened, because CORESET's first batch covered more scene kinds and more rare attributes than on the
plain PCA projection X V_k (k = 12: 6.8 against 6.6 of 8 kinds, 5.6 against 4.8 rare images; 5 pools,
docs/selection.md): unwhitened, k-center spreads over the first few directions only.

Deterministic on CPU for a fixed thread count (no randomness anywhere; convolution sums may round
differently with another number of threads).
"""
import numpy as np
import torch
from PIL import Image

from . import interrupt
from .backbone import IMAGENET_MEAN, IMAGENET_STD, EfficientNetLite0Features
from .images import load_rgb
from .progress import Throttle, emit
from .whitening import whiten

SHORT_SIDE = 224
MAX_ASPECT = 3  # panoramas: the longer side at most 3x the shorter, so one image cannot take minutes
STRIDE = 32
BATCH = 16
POOLED_LEVELS = (3, 2)  # indexes into [c4, c8, c16, c32]: c32 (320 channels), then c16 (112)


def network_size(width: int, height: int) -> tuple[int, int]:
    """(width, height) fed to the network: shorter side SHORT_SIDE, both multiples of STRIDE."""
    scale = SHORT_SIDE / min(width, height)
    w = min(round(width * scale / STRIDE) * STRIDE, MAX_ASPECT * SHORT_SIDE)
    h = min(round(height * scale / STRIDE) * STRIDE, MAX_ASPECT * SHORT_SIDE)
    return max(w, STRIDE), max(h, STRIDE)


def _load(path: str) -> np.ndarray:
    image = Image.fromarray(load_rgb(path))
    return np.asarray(image.resize(network_size(*image.size), Image.Resampling.BILINEAR))


def pooled_features(paths: list, device: torch.device) -> list:
    """The blocks [N x 320, N x 112] of globally pooled c32 and c16 features, float64."""
    net = EfficientNetLite0Features(pretrained=True).to(device).eval()
    mean = torch.tensor(IMAGENET_MEAN, device=device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=device).view(1, 3, 1, 1)
    blocks = [[] for _ in POOLED_LEVELS]
    throttle = Throttle(1.0)
    with torch.no_grad():
        start = 0
        while start < len(paths):
            interrupt.check()
            images = [_load(paths[start])]
            # a batch holds images of one network size: pools of mixed sizes just make smaller batches
            while len(images) < BATCH and start + len(images) < len(paths):
                nxt = _load(paths[start + len(images)])
                if nxt.shape != images[0].shape:
                    break
                images.append(nxt)
            x = torch.from_numpy(np.stack(images)).to(device).permute(0, 3, 1, 2).float() / 255
            pyramid = net((x - mean) / std)
            for block, level in zip(blocks, POOLED_LEVELS):
                block.append(pyramid[level].mean((2, 3)).double().cpu().numpy())
            start += len(images)
            if throttle.ready():
                emit("progress", phase="embed", done=start, total=len(paths))
    return [np.concatenate(block) for block in blocks]


def backbone_embeddings(paths: list, dim: int, device: torch.device) -> np.ndarray:
    """N x dim, L2-normalised rows (see the module docstring)."""
    return whiten(pooled_features(paths, device), dim)
