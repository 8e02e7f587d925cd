"""The reference detector: a CenterNet-style heatmap network with a stride-4 output.

Backbone (`backbone.py`): the ImageNet-pretrained EfficientNet-Lite0 stages to stride 32 (default,
stem to stride 8 frozen) or the small network trained from scratch; both give features at strides
4, 8, 16, 32. A top-down path (FPN-like, 1x1 laterals + nearest upsampling + 3x3 conv) brings context
back to stride 4, where one 3x3 conv feeds a 1x1 head with K + 4 channels per cell, K the number of
classes (`config.model.num_classes`, 1 when absent): [K centre logits, offset x, offset y, log w, log h]
(offset and size in cells; one box per cell, shared by the classes). The network takes RGB in
[0, 1] and normalises it itself with its backbone's mean and std.

An object is its centre cell c = floor(centre / 4). Targets and losses (CenterNet, Zhou et al. 2019):
- heatmap, one channel per class: Y_k = max over objects of class k of exp(-(dx^2 / 2 sx^2 + dy^2 / 2 sy^2)), dx, dy cell distances to c,
  sx = max(0.4, w / (6 * 4)), sy likewise; penalty-reduced focal loss
  L_hm = -1/N sum[ Y==1: (1-p)^2 log p ; else: (1-Y)^4 p^2 log(1-p) ], N = number of objects;
- size: L1 on (log(w/4), log(h/4)); offset: L1 on centre/4 - cell; both at every cell of the object's
  Gaussian region (Y >= 0.3), weighted by Y and averaged over the weights (encode_targets).
Decoding: sigmoid, 3x3 max-pool peak test per class channel, top-K peaks over all channels (a peak's
channel is its class); box = (c + offset) * 4 -/+ exp(log size) * 4 / 2.
"""
import math
from typing import cast

import torch
import torch.nn.functional as F
from torch import nn

from . import backbone as backbone_lib
from .backbone import conv_bn_relu

ARCH = "pomona-centernet"
ARCH_VERSION = 2  # 2: backbone chosen per checkpoint (config.model.backbone), input in [0, 1]
STRIDE = 4
NECK = {"efficientnet-lite0": 64, "scratch": 40}
FROZEN_STRIDE = 8  # EfficientNet-Lite0: stem to stride 8 keep their ImageNet weights (backbone.py)


def default_config(backbone: str = backbone_lib.DEFAULT_BACKBONE, num_classes: int = 1) -> dict:
    config = {"backbone": backbone_lib.check_name(backbone), "neck": NECK[backbone], "num_classes": num_classes}
    if backbone == "efficientnet-lite0":
        config["frozen_stride"] = FROZEN_STRIDE
    return config


def num_classes(config: dict) -> int:
    """Heatmap channels of a model config (checkpoints before several classes had one)."""
    return int(config.get("num_classes", 1))


class CenterNet(nn.Module):
    def __init__(self, features: backbone_lib.Features, neck: int, classes: int = 1):
        super().__init__()
        self.num_classes = classes
        self.features = features
        c4, c8, c16, c32 = features.channels
        self.register_buffer("mean", torch.tensor(features.mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(features.std).view(1, 3, 1, 1), persistent=False)
        self.lat32, self.lat16, self.lat8 = nn.Conv2d(c32, neck, 1), nn.Conv2d(c16, neck, 1), nn.Conv2d(c8, neck, 1)
        self.lat4 = nn.Conv2d(c4, neck, 1)
        self.mix16, self.mix8, self.mix4 = conv_bn_relu(neck, neck), conv_bn_relu(neck, neck), conv_bn_relu(neck, neck)
        self.head = nn.Sequential(conv_bn_relu(neck, neck), nn.Conv2d(neck, classes + 4, 1))
        # start with a centre prior of 0.1 everywhere (CenterNet), so the focal loss starts sane
        bias = cast(nn.Conv2d, self.head[-1]).bias
        assert bias is not None
        nn.init.constant_(bias, 0.0)
        with torch.no_grad():
            bias[:classes] = -math.log((1 - 0.1) / 0.1)

    def forward(self, x):
        c4, c8, c16, c32 = self.features((x - self.mean) / self.std)
        p = self.mix16(self.lat16(c16) + F.interpolate(self.lat32(c32), size=c16.shape[-2:], mode="nearest"))
        p = self.mix8(self.lat8(c8) + F.interpolate(p, size=c8.shape[-2:], mode="nearest"))
        p = self.mix4(self.lat4(c4) + F.interpolate(p, size=c4.shape[-2:], mode="nearest"))
        return self.head(p)

    def pretrained_parameters(self) -> list:
        """Trainable parameters that start from pretrained weights (they get a smaller learning rate)."""
        if not isinstance(self.features, backbone_lib.EfficientNetLite0Features):
            return []
        return [p for p in self.features.parameters() if p.requires_grad]


def build(config: dict, pretrained: bool = True) -> CenterNet:
    """The network of a checkpoint's `config.model`; `pretrained=False` when its weights are loaded next anyway."""
    name = config["backbone"]
    features = backbone_lib.build(name, pretrained, config.get("frozen_stride", 0))
    return CenterNet(features, config["neck"], num_classes(config))


def encode_targets(boxes: list[torch.Tensor], out_h: int, out_w: int, classes: int = 1):
    """Heatmaps (B,K,h,w), regression targets (B,4,h,w) and their weights (B,1,h,w) from crop-px boxes.

    Boxes are (n,4), or (n,5) with the class index in the last column. Every cell where an object's
    Gaussian is at least REGRESSION_REGION regresses that object (the one with the largest Gaussian
    there, whatever its class), weighted by the Gaussian (TTFNet, Liu et al. 2020): many more regression
    samples per object than its centre cell alone, which is what a few hundred steps need.
    """
    n = len(boxes)
    heat = torch.zeros(n, classes, out_h * out_w)
    reg = torch.zeros(n, 4, out_h * out_w)
    weight = torch.zeros(n, 1, out_h * out_w)
    gy, gx = torch.meshgrid(torch.arange(out_h, dtype=torch.float32), torch.arange(out_w, dtype=torch.float32), indexing="ij")
    gx, gy = gx.reshape(1, -1), gy.reshape(1, -1)
    for i, b in enumerate(boxes):
        if len(b) == 0:
            continue
        cls = b[:, 4].long() if b.shape[1] > 4 else torch.zeros(len(b), dtype=torch.long)
        cx = (b[:, 0] + b[:, 2]) / (2 * STRIDE)
        cy = (b[:, 1] + b[:, 3]) / (2 * STRIDE)
        bw, bh = (b[:, 2] - b[:, 0]) / STRIDE, (b[:, 3] - b[:, 1]) / STRIDE
        ix = cx.floor().clamp(0, out_w - 1)
        iy = cy.floor().clamp(0, out_h - 1)
        sx = (bw / 6).clamp(min=0.4)[:, None]
        sy = (bh / 6).clamp(min=0.4)[:, None]
        g = torch.exp(-((gx - ix[:, None]) ** 2 / (2 * sx * sx) + (gy - iy[:, None]) ** 2 / (2 * sy * sy)))
        for k in cls.unique().tolist():
            heat[i, k] = g[cls == k].max(0).values
        peak, owner = g.max(0)
        region = peak >= REGRESSION_REGION
        o = owner[region]
        reg[i, :, region] = torch.stack([cx[o] - gx[0, region], cy[o] - gy[0, region], bw[o].log(), bh[o].log()])
        weight[i, 0, region] = peak[region]
    return heat.view(n, classes, out_h, out_w), reg.view(n, 4, out_h, out_w), weight.view(n, 1, out_h, out_w)


REGRESSION_REGION = 0.3


def loss_fn(out: torch.Tensor, heat: torch.Tensor, reg: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    out = out.float()
    k = heat.shape[1]
    p = torch.sigmoid(out[:, :k]).clamp(1e-4, 1 - 1e-4)
    pos = (heat >= 1.0).float()
    n = pos.sum().clamp(min=1.0)
    hm = -(pos * (1 - p) ** 2 * torch.log(p) + (1 - pos) * (1 - heat) ** 4 * p**2 * torch.log(1 - p)).sum() / n
    l1 = (F.l1_loss(out[:, k:], reg, reduction="none") * weight).sum() / weight.sum().clamp(min=1.0)
    return hm + l1


@torch.no_grad()
def decode(out: torch.Tensor, top_k: int = 300, classes: int = 1):
    """Per image: (k,4) canvas-px boxes, (k,) scores, (k,) class indices and (k, K) every class's heatmap
    probability at each peak's cell, best first (no threshold)."""
    heat = torch.sigmoid(out[:, :classes].float())
    peaks = heat * (F.max_pool2d(heat, 3, 1, 1) == heat)
    n, _, h, w = heat.shape
    k = min(top_k, classes * h * w)
    scores, idx = peaks.reshape(n, -1).topk(k)
    cls, cell = idx // (h * w), idx % (h * w)
    ys, xs = (cell // w).float(), (cell % w).float()
    reg = out[:, classes:classes + 4].float().reshape(n, 4, -1)
    g = lambda c: torch.gather(reg[:, c], 1, cell)
    cx, cy = (xs + g(0)) * STRIDE, (ys + g(1)) * STRIDE
    bw, bh = g(2).clamp(max=8).exp() * STRIDE, g(3).clamp(max=8).exp() * STRIDE
    boxes = torch.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], -1)
    at_cell = torch.gather(heat.reshape(n, classes, -1), 2, cell[:, None, :].expand(n, classes, k)).transpose(1, 2)
    return [(boxes[i], scores[i], cls[i], at_cell[i]) for i in range(n)]
