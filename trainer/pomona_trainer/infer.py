"""`infer`: KITTI 16-field predictions for every image in a folder, in original image pixels.

Each image is letterboxed like in training, decoded (peaks, top-K), mapped back by the letterbox scale,
clipped to the image, and filtered by --threshold. Each output file is written atomically; images are
decoded on a small thread pool while the network runs.
"""
import os
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

from . import checkpoint, interrupt, kitti, model as model_lib
from .data import letterbox, normalise
from .device import resolve_device
from .errors import InputError
from .fsutil import write_text_atomic
from .images import list_images, load_rgb
from .progress import Throttle, emit

TOP_K = 300
BATCH = 16


@torch.no_grad()
def detect(net, canvases: torch.Tensor, device, batch_size=BATCH, top_k=TOP_K):
    """Boxes (canvas px) and scores per uint8 canvas, best first, no threshold."""
    results = []
    for start in range(0, len(canvases), batch_size):
        x = normalise(canvases[start:start + batch_size]).to(device).contiguous(memory_format=torch.channels_last)
        results.extend((b.cpu(), s.cpu()) for b, s in model_lib.decode(net(x), top_k))
    return results


def load_model(path: str, device):
    ckpt = checkpoint.load(path, "--model")
    net = model_lib.build(ckpt["config"]["model"])
    net.load_state_dict(ckpt["model"])
    net = net.to(device).to(memory_format=torch.channels_last).eval()
    return net, ckpt["config"]


def run(args) -> int:
    started = time.monotonic()
    device = resolve_device(args.device)
    if not 0.0 <= args.threshold <= 1.0:
        raise InputError(f"--threshold {args.threshold}: must be within 0..1")
    net, config = load_model(args.model, device)
    paths = list_images(args.images)
    stems = {}
    for p in paths:
        if kitti.stem(p) in stems:
            raise InputError(f"{p}: two images share the name {kitti.stem(p)!r}")
        stems[kitti.stem(p)] = p
    width, height = config["input_size"]
    class_name = config.get("class_name", "apple")
    os.makedirs(args.out, exist_ok=True)
    throttle = Throttle(1.0)
    done = 0
    with ThreadPoolExecutor(max_workers=2) as pool:
        prepared = lambda p: letterbox(load_rgb(p), width, height)  # noqa: E731
        for start in range(0, len(paths), BATCH):
            interrupt.check()
            chunk = paths[start:start + BATCH]
            boxed = list(pool.map(prepared, chunk))
            canvases = torch.from_numpy(np.stack([b.canvas for b in boxed])).permute(0, 3, 1, 2)
            for path, lb, (boxes, scores) in zip(chunk, boxed, detect(net, canvases, device)):
                write_text_atomic(os.path.join(args.out, kitti.stem(path) + ".txt"), _lines(lb, boxes, scores, args.threshold, class_name))
            done += len(chunk)
            if throttle.ready() or done == len(paths):
                emit("progress", done=done, total=len(paths))
    emit("done", images=len(paths), seconds=round(time.monotonic() - started, 3))
    return 0


def _lines(lb, boxes: torch.Tensor, scores: torch.Tensor, threshold: float, class_name: str) -> str:
    keep = scores >= threshold
    b = boxes[keep].numpy().astype(np.float64) / np.array([lb.sx, lb.sy, lb.sx, lb.sy])
    b[:, [0, 2]] = b[:, [0, 2]].clip(0, lb.width)
    b[:, [1, 3]] = b[:, [1, 3]].clip(0, lb.height)
    s = scores[keep].numpy()
    good = (b[:, 2] - b[:, 0] > 0) & (b[:, 3] - b[:, 1] > 0)
    return "".join(kitti.format_prediction(class_name, box, float(score)) + "\n" for box, score in zip(b[good], s[good]))
