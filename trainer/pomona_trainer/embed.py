"""`embed`: image embeddings for selection, written in Lightly's CSV layout.

Three feature sets (`--features`):

`backbone` (default, and the loop's: core/config/loop-config.ts `embedding.method`): globally pooled
features of the detector's ImageNet-pretrained EfficientNet-Lite0, whitened; the formula is in
backbone_embeddings.py. No training, so `--epochs` and `--seed` do not apply.

`scene`: scene statistics, whitened. CORESET's first batch should cover the kinds of scene in
the pool (light, apple colour, distance, occlusion: docs/selection.md); those differ in global colour and
in texture scale, which a small self-supervised encoder trained for a few epochs captured only partly
(CORESET covered no more scene kinds than random). Each image becomes a 96x54 thumbnail, described by
  - a hue x saturation histogram (12 x 3 bins) and a value histogram (8 bins), square-rooted (Hellinger),
    so a few strongly coloured pixels (apples) count next to the large foliage areas;
  - the log mean absolute gradient of the grey image at 3 scales (96, 48, 24 px wide): apple size and
    density, leaf clutter.
The three blocks then go through whitening.whiten (block-balanced PCA, components at unit variance, L2
rows). No training, so `--epochs` and `--seed` do not apply.

`ssl`: SimCLR-like. Each image becomes a small square thumbnail; every step takes two random views of each image in a batch
(crop-and-resize, h-flip, mild colour jitter: strong jitter would teach the
encoder to ignore apple colour, one of the scene attributes selection should see) and trains a small CNN encoder + MLP
projection with the NT-Xent loss (Chen et al. 2020): for the 2B projected, L2-normalised views z,
  l(i) = -log( exp(z_i . z_j(i) / t) / sum_{k != i} exp(z_i . z_k / t) ),  t = 0.5,
j(i) being the other view of the same image; the loss is the mean over all 2B views. The embedding is the
encoder output (before the projection) of the plain thumbnail, L2-normalised.

Output: filenames,embedding_0,...,embedding_{D-1},labels   (one row per image, basename, labels = 0)
"""
import math
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from . import defaults, feature_blocks, interrupt, streaming_whitening
from .device import resolve_device
from .errors import InputError
from .fsutil import atomic_path
from .images import list_images, load_rgb
from .progress import Throttle, emit, say
from .whitening import whiten

THUMB = 64
TEMPERATURE = 0.5
BATCH = 64


class Encoder(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        layers, cin = [], 3
        for cout in (32, 64, 96, 128):
            layers += [nn.Conv2d(cin, cout, 3, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
            cin = cout
        self.features = nn.Sequential(*layers)
        self.embed = nn.Linear(cin, dim)
        self.project = nn.Sequential(nn.Linear(dim, 128), nn.ReLU(inplace=True), nn.Linear(128, 64))

    def forward(self, x):
        return self.embed(self.features(x).mean((2, 3)))


def nt_xent(z1: torch.Tensor, z2: torch.Tensor, temperature: float = TEMPERATURE) -> torch.Tensor:
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    n = z1.shape[0]
    sim = z @ z.t() / temperature
    sim.fill_diagonal_(float("-inf"))
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)
    return F.cross_entropy(sim, target)


def views(thumbs: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """One random view per uint8 thumbnail: crop of 35-100% area (aspect 3/4..4/3), flip, colour jitter."""
    n = thumbs.shape[0]
    r = torch.rand(n, 8, generator=g)
    area = 0.35 + 0.65 * r[:, 0]
    aspect = torch.exp((r[:, 1] - 0.5) * 2 * math.log(4 / 3))
    sw, sh = (area * aspect).sqrt().clamp(max=1), (area / aspect).sqrt().clamp(max=1)
    cx, cy = (1 - sw) * (2 * r[:, 2] - 1), (1 - sh) * (2 * r[:, 3] - 1)
    flip = torch.where(r[:, 4] < 0.5, -1.0, 1.0)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 2] = sw * flip, cx
    theta[:, 1, 1], theta[:, 1, 2] = sh, cy
    x = thumbs.float() / 255
    x = F.grid_sample(x, F.affine_grid(theta, [n, 3, THUMB, THUMB], align_corners=False), align_corners=False)
    grey = x.mean(1, keepdim=True)
    sat = (0.7 + 0.6 * r[:, 6]).view(n, 1, 1, 1)
    x = grey + (x - grey) * sat
    x = x * (0.6 + 0.8 * r[:, 7]).view(n, 1, 1, 1) * (0.95 + 0.1 * torch.rand(n, 3, 1, 1, generator=g))
    return (x.clamp(0, 1) - 0.45) / 0.25


FEATURES = ("backbone", "scene", "ssl")
# --from-blocks: pools of more rows are whitened shard by shard (streaming_whitening.py). Measured with
# bench/scale-out/embedding_merge.py (backbone-shaped rows): in memory, 20,000 rows peak at 0.65 GB and
# 100,000 at 2.3 GB; shard by shard, 1,000,000 rows at 0.39 GB.
STREAM_ABOVE = 20_000
DEFAULT_FEATURES: str = defaults.EMBED["features"]
SCENE_THUMB = (96, 54)
HUE_BINS, SAT_BINS, VALUE_BINS, GRADIENT_SCALES = 12, 3, 8, 3


def scene_statistics(rgb: np.ndarray) -> list:
    """Feature blocks of one HxWx3 float image in [0, 1]: [hue x saturation histogram, value histogram, gradients]."""
    mx, mn = rgb.max(-1), rgb.min(-1)
    chroma = mx - mn
    safe = np.where(chroma > 1e-6, chroma, 1.0)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    hue = np.where(mx == r, ((g - b) / safe) % 6, np.where(mx == g, (b - r) / safe + 2, (r - g) / safe + 4)) / 6
    hue = np.where(chroma > 1e-6, hue, 0.0)
    sat = np.where(mx > 1e-6, chroma / np.where(mx > 1e-6, mx, 1.0), 0.0)
    pixels = mx.size
    hs = np.minimum((hue * HUE_BINS).astype(int), HUE_BINS - 1) * SAT_BINS + np.minimum((sat * SAT_BINS).astype(int), SAT_BINS - 1)
    hs_hist = np.bincount(hs.ravel(), minlength=HUE_BINS * SAT_BINS) / pixels
    v_hist = np.bincount(np.minimum((mx * VALUE_BINS).astype(int), VALUE_BINS - 1).ravel(), minlength=VALUE_BINS) / pixels
    grey, grads = rgb.mean(-1), []
    for _ in range(GRADIENT_SCALES):
        grads.append(np.abs(np.diff(grey, axis=1)).mean() + np.abs(np.diff(grey, axis=0)).mean())
        h, w = grey.shape[0] // 2 * 2, grey.shape[1] // 2 * 2
        grey = grey[:h, :w].reshape(h // 2, 2, w // 2, 2).mean((1, 3))
    return [np.sqrt(hs_hist), np.sqrt(v_hist), np.log(np.array(grads) + 1e-3)]


def scene_blocks(paths: list) -> list:
    """The pool's scene statistics as blocks (one row per image), before whitening."""
    per_image = []
    for p in paths:
        interrupt.check()
        thumb = np.asarray(Image.fromarray(load_rgb(p)).resize(SCENE_THUMB, Image.Resampling.BILINEAR), np.float64) / 255
        per_image.append(scene_statistics(thumb))
    return [np.stack([f[b] for f in per_image]) for b in range(len(per_image[0]))]


def scene_embeddings(paths: list, dim: int) -> np.ndarray:
    return whiten(scene_blocks(paths), dim)


def ssl_embeddings(paths: list, args: "EmbedOptions", device) -> np.ndarray:
    torch.manual_seed(args.seed)
    g = torch.Generator().manual_seed(args.seed)
    thumbs = []
    for p in paths:
        interrupt.check()
        thumbs.append(np.asarray(Image.fromarray(load_rgb(p)).resize((THUMB, THUMB), Image.Resampling.BILINEAR)))
    thumbs = torch.from_numpy(np.stack(thumbs)).permute(0, 3, 1, 2).contiguous()

    net = Encoder(args.dim).to(device)
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    steps = math.ceil(len(paths) / BATCH)
    total = max(1, args.epochs * steps)
    throttle = Throttle(1.0)
    step = 0
    net.train()
    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(len(paths), generator=g)
        for s in range(steps):
            interrupt.check()
            idx = order[s * BATCH:(s + 1) * BATCH]
            if len(idx) < 2:  # NT-Xent needs a negative; a lone leftover image waits for the next epoch
                continue
            batch = thumbs[idx]
            v1, v2 = views(batch, g).to(device), views(batch, g).to(device)
            for group in opt.param_groups:
                group["lr"] = 2e-3 * 0.5 * (1 + math.cos(math.pi * step / total))
            loss = nt_xent(net.project(net(v1)), net.project(net(v2)))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            if throttle.ready():
                emit("progress", phase="train", epoch=epoch, epochs=args.epochs, loss=round(loss.item(), 6))

    net.eval()
    rows = []
    with torch.no_grad():
        for start in range(0, len(paths), 256):
            x = ((thumbs[start:start + 256].float() / 255 - 0.45) / 0.25).to(device)
            rows.append(F.normalize(net(x), dim=1).cpu())
    return torch.cat(rows).numpy()


@dataclass
class EmbedOptions:
    """What `embed` is asked to do (the command line's flags): --images with --out (a CSV) or --blocks-out
    (one shard's feature blocks), or --from-blocks with --out (the shards whitened together)."""

    images: str | None = None
    out: str | None = None
    blocks_out: str | None = None
    from_blocks: str | None = None
    stream_above: int | None = None
    features: str = DEFAULT_FEATURES
    epochs: int = defaults.EMBED["epochs"]
    dim: int = defaults.EMBED["dim"]
    seed: int = defaults.EMBED["seed"]
    device: str = "auto"


def write_csv(out: str, chunks: Iterable[tuple[list, np.ndarray]], dim: int) -> None:
    """Lightly's layout: filenames,embedding_0..D-1,labels; one row per image, labels 0. `chunks` gives
    (names, rows) in order, written as they come (a pool whitened shard by shard is never whole in memory)."""
    header = ["filenames"] + [f"embedding_{i}" for i in range(dim)] + ["labels"]
    with atomic_path(out) as tmp, open(tmp, "w", encoding="utf-8") as f:
        f.write(",".join(header) + "\n")
        for names, emb in chunks:
            for name, vec in zip(names, emb):
                if "," in name or '"' in name:
                    raise InputError(f"{name}: a comma or quote in the file name cannot go into the CSV")
                f.write(",".join([name] + [f"{v:.8g}" for v in vec] + ["0"]) + "\n")


def blocks_of(features: str, paths: list, device) -> list:
    """The per-image feature blocks of `backbone` or `scene`, before whitening."""
    if features == "backbone":
        from .backbone_embeddings import pooled_features  # loads the pretrained network: only when used

        return pooled_features(paths, device)
    return scene_blocks(paths)


def run(args: EmbedOptions) -> int:
    started = time.monotonic()
    if args.dim < 1:
        raise InputError(f"--dim {args.dim}: must be at least 1")
    if args.from_blocks is not None:
        if args.images is not None or args.blocks_out is not None:
            raise InputError(f"--from-blocks {args.from_blocks}: takes --out and --dim, not --images or --blocks-out")
        if args.out is None:
            raise InputError(f"--from-blocks {args.from_blocks}: --out is required")
        files = feature_blocks.files_in(args.from_blocks)
        rows = feature_blocks.row_count(files)
        limit = STREAM_ABOVE if args.stream_above is None else args.stream_above
        if rows <= limit:
            features, names, blocks = feature_blocks.load(files)
            say(f"embed: {rows} images in {len(files)} blocks files of {features} features, dim {args.dim}")
            write_csv(args.out, [(names, whiten(blocks, args.dim))], args.dim)
        else:
            say(f"embed: {rows} images in {len(files)} blocks files, whitened shard by shard, dim {args.dim}")
            mu, scale, projection = streaming_whitening.whitening_transform(
                (blocks for _, _, blocks in feature_blocks.shards(files)), args.dim)
            write_csv(args.out, ((names, streaming_whitening.project(blocks, mu, scale, projection))
                                 for _, names, blocks in feature_blocks.shards(files)), args.dim)
        emit("done", images=rows, dim=args.dim, seconds=round(time.monotonic() - started, 3))
        return 0

    features = args.features
    if features not in FEATURES:
        raise InputError(f"--features {features}: unknown (use {' or '.join(FEATURES)})")
    if args.images is None:
        raise InputError("--images: required (or --from-blocks)")
    if (args.out is None) == (args.blocks_out is None):
        raise InputError(f"--images {args.images}: give exactly one of --out and --blocks-out")
    if args.blocks_out is not None and features == "ssl":
        raise InputError(f"--blocks-out {args.blocks_out}: ssl trains its encoder on the whole pool and has no blocks (use backbone or scene)")
    device = resolve_device(args.device)
    if args.epochs < 0:
        raise InputError(f"--epochs {args.epochs}: must be at least 0")
    paths = list_images(args.images)
    if not paths:
        raise InputError(f"--images {args.images}: no images (.png, .jpg, .jpeg, .bmp)")
    names = [os.path.basename(p) for p in paths]
    if args.blocks_out is not None:
        say(f"embed: {len(paths)} images, {features} feature blocks for {args.blocks_out}, device {device}")
        feature_blocks.save(args.blocks_out, features, names, blocks_of(features, paths, device))
        emit("done", images=len(paths), seconds=round(time.monotonic() - started, 3))
        return 0
    if features == "backbone":
        from .backbone_embeddings import backbone_embeddings  # loads the pretrained network: only when used

        say(f"embed: {len(paths)} images, dim {args.dim}, pretrained EfficientNet-Lite0 features, device {device}")
        emb = backbone_embeddings(paths, args.dim, device)
    elif features == "scene":
        say(f"embed: {len(paths)} images, dim {args.dim}, scene statistics")
        emb = scene_embeddings(paths, args.dim)
    else:
        say(f"embed: {len(paths)} images, dim {args.dim}, {args.epochs} epochs self-supervised, device {device}")
        emb = ssl_embeddings(paths, args, device)
    assert args.out is not None
    write_csv(args.out, [(names, emb)], args.dim)
    emit("done", images=len(paths), dim=args.dim, seconds=round(time.monotonic() - started, 3))
    return 0
