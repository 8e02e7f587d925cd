"""Training data: KITTI image/label pairs at their working scale, and batches of augmented crops.

Images are kept as they come (any size and aspect ratio), resized only by the run's `scale` (1 = native
pixels), so that small objects keep their pixels: a 1280x720 frame with 30-pixel apples is not shrunk
to a small canvas. Each training sample is one crop of the network's input size out of one image:
  zoom z = exp(U(log 0.6, log 1.6)) output px per source px, a source window of (W/z) x (H/z) placed
  uniformly where it lies inside the image (or, where the image is smaller, where the image lies inside
  it; the rest is grey), a horizontal flip with p = 0.5 (and a vertical one with `--flips all`, flips.py), then colour jitter (brightness, contrast,
  saturation, per-channel gain). One epoch takes max(1, round(area / (W*H))) crops of each image
  (area at working scale), so every labelled pixel is seen about once per epoch whatever the image size.
All draws come from one torch.Generator whose state the checkpoint saves: that is what makes a resumed
run bit-identical.
"""
import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from . import interrupt, kitti
from .errors import InputError
from .images import load_rgb
from .label_files import class_order, find_pairs

PAD_VALUE = 114  # grey fill outside the image


def rescale(rgb: np.ndarray, scale: float) -> np.ndarray:
    """The image at working scale (HxWx3 uint8); PIL's bilinear resize filters when shrinking."""
    if scale == 1.0:
        return rgb
    h, w = rgb.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BILINEAR))


def to_tensor(rgb: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(rgb, np.uint8)).permute(2, 0, 1)  # a copy: decoded arrays may be read-only


@dataclass
class LabelledSet:
    images: list[torch.Tensor]  # per image 3,h,w uint8 at working scale
    boxes: list[torch.Tensor]  # per image (n,5) float32: working-scale px x1, y1, x2, y2, and the class index
    originals: list[np.ndarray]  # per image (n,4) float32, original px (for validation AP)
    scale: float  # working px per original px
    classes: list[str]  # class names by index (the heatmap channels)
    paths: list[str]

    def __len__(self):
        return len(self.paths)

    def epoch_samples(self, width: int, height: int) -> list[int]:
        """Image index of each crop of one epoch: max(1, round(area / crop area)) per image."""
        return [i for i, im in enumerate(self.images) for _ in range(max(1, round(im.shape[1] * im.shape[2] / (width * height))))]


def load_labelled(images_dir, labels_dir, scale=1.0, images_flag="--images", labels_flag="--labels",
                  classes: list[str] | None = None) -> LabelledSet:
    """The labelled images; `classes` fixes the class order (a label of another class is an error), else
    the classes found, most frequent first (one class: today's single-class detector)."""
    pairs = find_pairs(images_dir, labels_dir, images_flag, labels_flag)
    images, raw, originals = [], [], []
    for image_path, label_path in pairs:
        interrupt.check()
        rgb = load_rgb(image_path)
        b, found = kitti.parse_label_file(label_path, rgb.shape[1], rgb.shape[0])
        images.append(to_tensor(rescale(rgb, scale)))
        originals.append(b)
        raw.append((label_path, b, found))
    if sum(len(b) for b in originals) == 0:
        raise InputError(f"{labels_flag} {labels_dir}: the label files hold no boxes")
    order = class_order([(label_path, found) for label_path, _, found in raw], classes)
    index = {name: i for i, name in enumerate(order)}
    boxes = []
    for _, b, found in raw:
        cls = np.array([index[c] for c in found], np.float32).reshape(-1, 1)
        boxes.append(torch.from_numpy(np.concatenate([b * np.float32(scale), cls], 1)))
    return LabelledSet(images, boxes, originals, scale, order, [p for p, _ in pairs])


def _window(size: torch.Tensor, extent: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """Start of a source window of `size` px over an image of `extent` px: inside it, or around it."""
    return torch.minimum(torch.zeros_like(u), extent - size) + u * (extent - size).abs()


def sample_crops(images: list[torch.Tensor], boxes: list[torch.Tensor], g: torch.Generator, width: int, height: int, zoom=(0.6, 1.6),
                 flips: str = "horizontal"):
    """One augmented width x height crop per image (module docstring); floats in [0, 1] and crop-px boxes.

    Output pixel (u, v) samples the source at x = x0 + (u + 0.5) / z (flipped: x0 + W/z - (u + 0.5) / z),
    y = y0 + (v + 0.5) / z (with flips "all", flipped likewise with p = 0.5), bilinearly. Boxes keep when at least 40% of their area survives clipping to
    the crop, and at least 2 px wide and high.
    """
    n = len(images)
    r = torch.rand(n, 8, generator=g, dtype=torch.float64)
    z = torch.exp(np.log(zoom[0]) + r[:, 0] * (np.log(zoom[1]) - np.log(zoom[0])))
    flip = r[:, 1] < 0.5
    vflip = (r[:, 7] < 0.5) & (flips == "all")  # column 7 is drawn either way: horizontal runs stay as they were
    ih = torch.tensor([im.shape[1] for im in images], dtype=torch.float64)
    iw = torch.tensor([im.shape[2] for im in images], dtype=torch.float64)
    x0, y0 = _window(width / z, iw, r[:, 2]), _window(height / z, ih, r[:, 3])
    u = torch.arange(width, dtype=torch.float64) + 0.5
    v = torch.arange(height, dtype=torch.float64) + 0.5
    out = torch.empty(n, 3, height, width)
    out_boxes = []
    for i, im in enumerate(images):
        xs = x0[i] + (width / z[i] - u / z[i] if flip[i] else u / z[i])
        ys = y0[i] + (height / z[i] - v / z[i] if vflip[i] else v / z[i])
        # only the source pixels the window touches are converted to float
        cx0, cx1 = max(0, math.floor(xs.min()) - 1), min(int(iw[i]), math.ceil(xs.max()) + 1)
        cy0, cy1 = max(0, math.floor(ys.min()) - 1), min(int(ih[i]), math.ceil(ys.max()) + 1)
        if cx1 <= cx0 or cy1 <= cy0:
            out[i] = PAD_VALUE / 255.0
        else:
            src = im[:, cy0:cy1, cx0:cx1].float()[None] / 255.0 - PAD_VALUE / 255.0  # zeros padding == grey
            gx = (2 * (xs - cx0) / (cx1 - cx0) - 1).float()
            gy = (2 * (ys - cy0) / (cy1 - cy0) - 1).float()
            grid = torch.stack(torch.meshgrid(gy, gx, indexing="ij")[::-1], -1)[None]
            out[i] = F.grid_sample(src, grid, mode="bilinear", padding_mode="zeros", align_corners=False)[0] + PAD_VALUE / 255.0
        b = boxes[i].double()
        extra = b[:, 4:]  # the class index, when there is one, rides along
        if len(b):
            bx = (b[:, [0, 2]] - x0[i]) * z[i]
            if flip[i]:
                bx = width - bx.flip(1)
            by = (b[:, [1, 3]] - y0[i]) * z[i]
            if vflip[i]:
                by = height - by.flip(1)
            b = torch.stack([bx[:, 0], by[:, 0], bx[:, 1], by[:, 1]], 1)
            area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
            c = torch.stack([b[:, 0].clamp(0, width), b[:, 1].clamp(0, height), b[:, 2].clamp(0, width), b[:, 3].clamp(0, height)], 1)
            cw, ch = c[:, 2] - c[:, 0], c[:, 3] - c[:, 1]
            kept = (cw >= 2) & (ch >= 2) & (cw * ch >= 0.4 * area)
            b = torch.cat([c, extra], 1)[kept]
        out_boxes.append(b.float().reshape(-1, 4 + extra.shape[1]))

    # colour: brightness, contrast, saturation, per-channel gain
    bright = (0.6 + 0.8 * r[:, 4]).float().view(n, 1, 1, 1)
    contrast = (0.7 + 0.6 * r[:, 5]).float().view(n, 1, 1, 1)
    sat = (0.5 + 1.0 * r[:, 6]).float().view(n, 1, 1, 1)
    gain = 0.9 + 0.2 * torch.rand(n, 3, 1, 1, generator=g)
    grey = out.mean(1, keepdim=True)
    x = grey + (out - grey) * sat
    x = (x - x.mean((1, 2, 3), keepdim=True)) * contrast + x.mean((1, 2, 3), keepdim=True)
    return (x * bright * gain).clamp(0, 1), out_boxes
