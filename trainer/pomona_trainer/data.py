"""Training data: KITTI image/label pairs, letterboxed once into a uint8 tensor, and batch augmentation.

Every image is resized (aspect kept) to fit the network input and placed at the top-left of a grey canvas
("letterbox"); box coordinates are scaled by the same per-axis factors. Augmentation works on whole
batches with one affine resampling (zoom, shift, horizontal flip) plus colour jitter, all drawn from a
torch.Generator whose state the checkpoint saves: that is what makes a resumed run bit-identical.
"""
import os
from collections import Counter
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from . import interrupt, kitti
from .errors import InputError
from .images import IMAGE_EXTENSIONS, load_rgb

PAD_VALUE = 114  # grey fill of the letterbox canvas
MEAN, STD = 0.45, 0.25  # input normalisation: (x/255 - MEAN) / STD


@dataclass
class Letterboxed:
    canvas: np.ndarray  # HxWx3 uint8, network input size
    sx: float  # canvas px per original px, x
    sy: float
    width: int  # original size
    height: int


def letterbox(rgb: np.ndarray, width: int, height: int) -> Letterboxed:
    h, w = rgb.shape[:2]
    scale = min(width / w, height / h)
    nw, nh = max(1, min(width, round(w * scale))), max(1, min(height, round(h * scale)))
    canvas = np.full((height, width, 3), PAD_VALUE, np.uint8)
    # PIL's bilinear resize filters when shrinking (no aliasing of small apples in big images)
    canvas[:nh, :nw] = np.asarray(Image.fromarray(rgb).resize((nw, nh), Image.BILINEAR))
    return Letterboxed(canvas, nw / w, nh / h, w, h)


def find_pairs(images_dir: str, labels_dir: str, images_flag="--images", labels_flag="--labels") -> list[tuple[str, str]]:
    """(image, label) pairs: an image is used when `<stem>.txt` exists (TAO); a label without image is an error."""
    for folder, flag in ((images_dir, images_flag), (labels_dir, labels_flag)):
        if not os.path.isdir(folder):
            raise InputError(f"{flag} {folder}: no such directory")
    by_stem: dict[str, str] = {}
    for name in sorted(os.listdir(images_dir)):
        if name.lower().endswith(IMAGE_EXTENSIONS) and not name.startswith("."):
            stem = kitti.stem(name)
            if stem in by_stem:
                raise InputError(f"{os.path.join(images_dir, name)}: two images share the name {stem!r}")
            by_stem[stem] = os.path.join(images_dir, name)
    pairs = []
    for name in sorted(os.listdir(labels_dir)):
        if not name.endswith(".txt") or name.startswith("."):
            continue
        label = os.path.join(labels_dir, name)
        image = by_stem.get(name[:-4])
        if image is None:
            raise InputError(f"{label}: no image named {name[:-4]}.* in {images_dir}")
        pairs.append((image, label))
    if not pairs:
        raise InputError(f"{labels_flag} {labels_dir}: no label files (<image name>.txt) for the images in {images_dir}")
    return pairs


@dataclass
class LabelledSet:
    canvases: torch.Tensor  # N,3,H,W uint8
    boxes: list[torch.Tensor]  # per image (n,4) float32, canvas px
    originals: list[np.ndarray]  # per image (n,4) float32, original px (for validation AP)
    scales: list[tuple[float, float]]  # (sx, sy) per image
    class_name: str
    paths: list[str]

    def __len__(self):
        return len(self.paths)


def load_labelled(images_dir, labels_dir, width, height, images_flag="--images", labels_flag="--labels") -> LabelledSet:
    pairs = find_pairs(images_dir, labels_dir, images_flag, labels_flag)
    canvases, boxes, originals, scales, names = [], [], [], [], Counter()
    for image_path, label_path in pairs:
        interrupt.check()
        rgb = load_rgb(image_path)
        lb = letterbox(rgb, width, height)
        b, classes = kitti.parse_label_file(label_path, lb.width, lb.height)
        names.update(classes)
        canvases.append(torch.from_numpy(lb.canvas).permute(2, 0, 1))
        originals.append(b)
        boxes.append(torch.from_numpy(b * np.array([lb.sx, lb.sy, lb.sx, lb.sy], np.float32)))
        scales.append((lb.sx, lb.sy))
    if sum(len(b) for b in boxes) == 0:
        raise InputError(f"{labels_flag} {labels_dir}: the label files hold no boxes")
    class_name = names.most_common(1)[0][0] if names else "apple"
    return LabelledSet(torch.stack(canvases), boxes, originals, scales, class_name, [p for p, _ in pairs])


def normalise(batch_uint8_or_float: torch.Tensor) -> torch.Tensor:
    x = batch_uint8_or_float.float()
    if batch_uint8_or_float.dtype == torch.uint8:
        x = x / 255.0
    return (x - MEAN) / STD


def augment(images: torch.Tensor, boxes: list[torch.Tensor], g: torch.Generator, zoom=(0.6, 1.6)):
    """Random zoom/shift/h-flip and colour jitter of a uint8 batch; returns normalised floats and new boxes.

    Affine per sample, in pixels: x_out = z * x' + tx, with x' = x or W - x (flip); y_out = z * y + ty.
    tx is uniform over the placements where the zoomed canvas still covers or sits inside the output.
    Boxes keep when at least 40% of their area survives clipping, and at least 2 px wide and high.
    """
    n, _, h, w = images.shape
    r = torch.rand(n, 8, generator=g, dtype=torch.float64)
    z = torch.exp(np.log(zoom[0]) + r[:, 0] * (np.log(zoom[1]) - np.log(zoom[0])))
    flip = r[:, 1] < 0.5
    tx = torch.minimum(torch.zeros(n, dtype=torch.float64), w - z * w) + r[:, 2] * (w - z * w).abs()
    ty = torch.minimum(torch.zeros(n, dtype=torch.float64), h - z * h) + r[:, 3] * (h - z * h).abs()
    f = torch.where(flip, -1.0, 1.0).double()
    # the same map in affine_grid's normalised coordinates (align_corners=False), output -> input
    theta = torch.zeros(n, 2, 3, dtype=torch.float64)
    theta[:, 0, 0] = f / z
    theta[:, 0, 2] = f * (1 / z - 2 * tx / (z * w) - 1)
    theta[:, 1, 1] = 1 / z
    theta[:, 1, 2] = 1 / z - 2 * ty / (z * h) - 1
    x = images.float() / 255.0 - PAD_VALUE / 255.0  # zeros padding == grey after adding back
    grid = F.affine_grid(theta.float(), [n, 3, h, w], align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False) + PAD_VALUE / 255.0

    # colour: brightness, contrast, saturation, per-channel gain
    bright = (0.6 + 0.8 * r[:, 4]).float().view(n, 1, 1, 1)
    contrast = (0.7 + 0.6 * r[:, 5]).float().view(n, 1, 1, 1)
    sat = (0.5 + 1.0 * r[:, 6]).float().view(n, 1, 1, 1)
    gain = 0.9 + 0.2 * torch.rand(n, 3, 1, 1, generator=g)
    grey = x.mean(1, keepdim=True)
    x = grey + (x - grey) * sat
    x = (x - x.mean((1, 2, 3), keepdim=True)) * contrast + x.mean((1, 2, 3), keepdim=True)
    x = (x * bright * gain).clamp(0, 1)

    out_boxes = []
    for i, b in enumerate(boxes):
        if len(b) == 0:
            out_boxes.append(b)
            continue
        b = b.double()
        if flip[i]:
            b = torch.stack([w - b[:, 2], b[:, 1], w - b[:, 0], b[:, 3]], 1)
        b = b * z[i] + torch.stack([tx[i], ty[i], tx[i], ty[i]])
        area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
        c = torch.stack([b[:, 0].clamp(0, w), b[:, 1].clamp(0, h), b[:, 2].clamp(0, w), b[:, 3].clamp(0, h)], 1)
        cw, ch = c[:, 2] - c[:, 0], c[:, 3] - c[:, 1]
        keep = (cw >= 2) & (ch >= 2) & (cw * ch >= 0.4 * area)
        out_boxes.append(c[keep].float())
    return (x - MEAN) / STD, out_boxes
