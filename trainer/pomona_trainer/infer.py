"""`infer`: KITTI 16-field predictions for every image in a folder, in original image pixels.

Each image is brought to the working scale the model was trained at (`config.scale`, 1 = native), cut
into windows of at most `--tile` px (tiling.py: one window when it fits, else overlapping tiles merged
at the seams), optionally averaged over the model's training flips (`--tta`, flips.py), decoded (peaks, top 300 per window), mapped back to original pixels, clipped to the image,
and filtered by --threshold. With `--scales` (multi-scale test-time augmentation), the image is run once per
factor of the working scale and the passes' boxes above --threshold are merged by weighted box fusion
(fusion.py). Each output file is written atomically; images are decoded on a small
thread pool while the network runs.
"""
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import torch

from . import checkpoint, defaults, fusion, interrupt, kitti, tiling
from . import flips as flips_lib
from . import model as model_lib
from .data import PAD_VALUE, rescale, to_tensor
from .device import resolve_device
from .errors import InputError
from .fsutil import write_text_atomic
from .images import list_images, load_rgb
from .progress import Throttle, emit

TOP_K = 300  # per window
BATCH = 8  # windows of one shape per forward pass
IMAGES_PER_CHUNK = 16


@torch.no_grad()
def detect(net, images: list[torch.Tensor], device, tile=tiling.DEFAULT_TILE, overlap=tiling.DEFAULT_OVERLAP, top_k=TOP_K, tta: str | None = None):
    """Boxes (image px, (k,4) numpy), scores, class indices and (k, K) class probabilities at each box's
    cell per 3,h,w uint8 image, best first, no threshold.

    `tta`: the flips to average the network over (flips.py), None for one pass.
    """
    jobs = []  # (image index, window), batched by padded shape
    wins = []
    for i, im in enumerate(images):
        wins.append(tiling.windows(im.shape[2], im.shape[1], tile, overlap))
        jobs.extend((i, w) for w in wins[-1])
    found: dict[tuple[int, tiling.Window], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
    classes = getattr(net, "num_classes", 1)
    by_shape: dict[tuple[int, int], list] = {}
    for job in jobs:
        by_shape.setdefault(job[1].padded_shape, []).append(job)
    for (ph, pw), group in by_shape.items():
        for start in range(0, len(group), BATCH):
            batch = group[start:start + BATCH]
            x = torch.full((len(batch), 3, ph, pw), PAD_VALUE / 255.0)
            for k, (i, w) in enumerate(batch):
                x[k, :, : w.y1 - w.y0, : w.x1 - w.x0] = images[i][:, w.y0:w.y1, w.x0:w.x1].float() / 255.0
            x = x.to(device).contiguous(memory_format=torch.channels_last)
            out = flips_lib.tta_forward(net, x, tta) if tta else net(x)
            for (i, w), (b, s, c, p) in zip(batch, model_lib.decode(out, top_k, classes)):
                b = b.cpu().numpy() + np.array([w.x0, w.y0, w.x0, w.y0], np.float32)
                found[(i, w)] = (b, s.cpu().numpy(), c.cpu().numpy().astype(np.int64), p.cpu().numpy())
    return [tiling.merge([found[(i, w)] for w in wins[i]], wins[i]) for i in range(len(images))]


def load_model(path: str, device):
    ckpt = checkpoint.load(path, "--model")
    net = model_lib.build(ckpt["config"]["model"], pretrained=False)
    net.load_state_dict(ckpt["model"])
    # Module.to takes memory_format; torch's stubs miss it.
    net = net.to(device).to(memory_format=torch.channels_last).eval()  # pyright: ignore[reportCallIssue]
    return net, ckpt["config"]


@dataclass
class InferOptions:
    """What `infer` is asked to do (the command line's flags)."""

    model: str
    images: str
    out: str
    threshold: float = defaults.INFER["threshold"]
    tile: int = defaults.INFER["tile"]
    overlap: int = defaults.INFER["overlap"]
    tta: bool = False
    scales: str | None = None
    device: str = "auto"


def run(args: InferOptions) -> int:
    started = time.monotonic()
    device = resolve_device(args.device)
    if not 0.0 <= args.threshold <= 1.0:
        raise InputError(f"--threshold {args.threshold}: must be within 0..1")
    if args.tile % 32 or args.tile < 64:
        raise InputError(f"--tile {args.tile}: must be a multiple of 32, at least 64")
    if not 0 <= args.overlap < args.tile // 2:
        raise InputError(f"--overlap {args.overlap}: must be within 0..tile/2 ({args.tile // 2})")
    factors = parse_scales(args.scales)
    net, config = load_model(args.model, device)
    paths = list_images(args.images)
    stems = {}
    for p in paths:
        if kitti.stem(p) in stems:
            raise InputError(f"{p}: two images share the name {kitti.stem(p)!r}")
        stems[kitti.stem(p)] = p
    scale = config["scale"]
    names = class_names(config)
    os.makedirs(args.out, exist_ok=True)
    throttle = Throttle(1.0)
    tta = config.get("flips", flips_lib.DEFAULT_FLIPS) if args.tta else None
    done = 0
    with ThreadPoolExecutor(max_workers=2) as pool:
        for start in range(0, len(paths), IMAGES_PER_CHUNK):
            interrupt.check()
            chunk = paths[start:start + IMAGES_PER_CHUNK]
            originals = list(pool.map(load_rgb, chunk))
            found = detect_at_scales(net, originals, [scale * f for f in factors], device, args.tile, args.overlap, tta, args.threshold)
            for path, rgb, (boxes, scores, classes, probs) in zip(chunk, originals, found):
                text, kept = _lines(boxes, scores, classes, rgb.shape[1], rgb.shape[0], args.threshold, names)
                if len(names) > 1:
                    # written first: a .txt without its .probs would be read as one-class confidences
                    write_text_atomic(os.path.join(args.out, kitti.stem(path) + ".probs"), _probability_lines(probs[kept]))
                write_text_atomic(os.path.join(args.out, kitti.stem(path) + ".txt"), text)
            done += len(chunk)
            if throttle.ready() or done == len(paths):
                emit("progress", done=done, total=len(paths))
    emit("done", images=len(paths), seconds=round(time.monotonic() - started, 3))
    return 0


def parse_scales(text: str | None) -> list[float]:
    """`--scales 0.5,1,2`: factors of the model's working scale, each within 0.1..4 (default: 1 alone)."""
    if text is None:
        return [1.0]
    try:
        factors = [float(v) for v in text.split(",")]
    except ValueError:
        raise InputError(f"--scales {text}: expected factors separated by commas, e.g. 0.5,1,2") from None
    if not factors or any(not 0.1 <= f <= 4 for f in factors) or len(set(factors)) != len(factors):
        raise InputError(f"--scales {text}: each factor within 0.1..4, none twice")
    return factors


def detect_at_scales(net, originals: list[np.ndarray], scales: list[float], device, tile: int, overlap: int, tta: str | None, threshold: float):
    """`detect` on each image resized by every scale, boxes in original pixels; with several scales, the
    passes' boxes at or above `threshold` fused (fusion.py), each keeping its group leader's probabilities."""
    passes = [detect(net, [to_tensor(rescale(rgb, s)) for rgb in originals], device, tile, overlap, tta=tta) for s in scales]
    found = []
    for k in range(len(originals)):
        boxes = np.concatenate([p[k][0] / s for p, s in zip(passes, scales)])
        scores, classes, probs = (np.concatenate([p[k][j] for p in passes]) for j in (1, 2, 3))
        if len(scales) == 1:
            found.append((boxes, scores, classes, probs))
            continue
        keep = scores >= threshold
        fused_boxes, fused_scores, fused_classes, leaders = fusion.fuse(boxes[keep], scores[keep], classes[keep], len(scales))
        found.append((fused_boxes, fused_scores, fused_classes, probs[keep][leaders]))
    return found


def class_names(config: dict) -> list[str]:
    """The classes a checkpoint detects, in heatmap-channel order (before several classes: its one `class_name`)."""
    return list(config.get("classes") or [config.get("class_name", "apple")])


def _lines(boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, width: int, height: int, threshold: float,
           names: list[str]) -> tuple[str, np.ndarray]:
    """KITTI prediction lines of one image (original-px boxes clipped to the image, best first) and the
    indices of the boxes they are."""
    keep = np.flatnonzero(scores >= threshold)
    b = boxes[keep].astype(np.float64)
    b[:, [0, 2]] = b[:, [0, 2]].clip(0, width)
    b[:, [1, 3]] = b[:, [1, 3]].clip(0, height)
    good = (b[:, 2] - b[:, 0] > 0) & (b[:, 3] - b[:, 1] > 0)
    kept = keep[good]
    text = "".join(kitti.format_prediction(names[int(classes[i])], box, float(scores[i])) + "\n" for box, i in zip(b[good], kept))
    return text, kept


def _probability_lines(probs: np.ndarray) -> str:
    """`<image>.probs`: per KITTI line, the K class probabilities at its cell, normalised to sum to 1
    (the heatmaps are independent sigmoids), in the checkpoint's class order."""
    p = probs.astype(np.float64)
    p = p / np.clip(p.sum(1, keepdims=True), 1e-12, None)
    return "".join(" ".join(f"{v:.4f}" for v in row) + "\n" for row in p)
