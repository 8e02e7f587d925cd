"""The reference detector: a small CenterNet-style heatmap network with a stride-4 output.

Backbone: five stride-2 stages of 3x3 conv + BN + ReLU (strides 2..32); a top-down path (FPN-like,
nearest upsampling + 1x1 laterals) brings context back to stride 4, where one 3x3 conv feeds a 1x1 head
with 5 channels per cell: [centre logit, offset x, offset y, log w, log h] (offset and size in cells).

An object is its centre cell c = floor(centre / 4). Targets and losses (CenterNet, Zhou et al. 2019):
- heatmap: Y = max over objects of exp(-(dx^2 / 2 sx^2 + dy^2 / 2 sy^2)), dx, dy cell distances to c,
  sx = max(0.4, w / (6 * 4)), sy likewise; penalty-reduced focal loss
  L_hm = -1/N sum[ Y==1: (1-p)^2 log p ; else: (1-Y)^4 p^2 log(1-p) ], N = number of objects;
- size: L1 on (log(w/4), log(h/4)) at c; offset: L1 on centre/4 - c at c; each averaged over N.
Decoding: sigmoid, 3x3 max-pool peak test, top-K peaks; box = (c + offset) * 4 -/+ exp(log size) * 4 / 2.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

ARCH = "pomona-centernet"
ARCH_VERSION = 1
STRIDE = 4
DEFAULT_CONFIG = {"widths": [16, 24, 48, 96, 128], "neck": 40}


def _cbr(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class CenterNet(nn.Module):
    def __init__(self, widths=tuple(DEFAULT_CONFIG["widths"]), neck=DEFAULT_CONFIG["neck"]):
        super().__init__()
        w = widths
        self.stem = _cbr(3, w[0], 2)
        self.s4 = nn.Sequential(_cbr(w[0], w[1], 2), _cbr(w[1], w[1]))
        self.s8 = nn.Sequential(_cbr(w[1], w[2], 2), _cbr(w[2], w[2]))
        self.s16 = nn.Sequential(_cbr(w[2], w[3], 2), _cbr(w[3], w[3]))
        self.s32 = nn.Sequential(_cbr(w[3], w[4], 2), _cbr(w[4], w[4]))
        self.lat32, self.lat16, self.lat8 = nn.Conv2d(w[4], neck, 1), nn.Conv2d(w[3], neck, 1), nn.Conv2d(w[2], neck, 1)
        self.lat4 = nn.Conv2d(w[1], neck, 1)
        self.mix16, self.mix8, self.mix4 = _cbr(neck, neck), _cbr(neck, neck), _cbr(neck, neck)
        self.head = nn.Sequential(_cbr(neck, neck), nn.Conv2d(neck, 5, 1))
        # start with a centre prior of 0.1 everywhere (CenterNet), so the focal loss starts sane
        nn.init.constant_(self.head[-1].bias, 0.0)
        with torch.no_grad():
            self.head[-1].bias[0] = -math.log((1 - 0.1) / 0.1)

    def forward(self, x):
        c4 = self.s4(self.stem(x))
        c8 = self.s8(c4)
        c16 = self.s16(c8)
        c32 = self.s32(c16)
        p = self.mix16(self.lat16(c16) + F.interpolate(self.lat32(c32), size=c16.shape[-2:], mode="nearest"))
        p = self.mix8(self.lat8(c8) + F.interpolate(p, size=c8.shape[-2:], mode="nearest"))
        p = self.mix4(self.lat4(c4) + F.interpolate(p, size=c4.shape[-2:], mode="nearest"))
        return self.head(p)


def build(config: dict) -> CenterNet:
    return CenterNet(tuple(config["widths"]), config["neck"])


def encode_targets(boxes: list[torch.Tensor], out_h: int, out_w: int):
    """Heatmap (B,1,h,w), regression targets (B,4,h,w) and their mask (B,1,h,w) from canvas-px boxes."""
    n = len(boxes)
    heat = torch.zeros(n, out_h * out_w)
    reg = torch.zeros(n, 4, out_h * out_w)
    mask = torch.zeros(n, 1, out_h * out_w)
    gy, gx = torch.meshgrid(torch.arange(out_h, dtype=torch.float32), torch.arange(out_w, dtype=torch.float32), indexing="ij")
    gx, gy = gx.reshape(1, -1), gy.reshape(1, -1)
    for i, b in enumerate(boxes):
        if len(b) == 0:
            continue
        cx = (b[:, 0] + b[:, 2]) / (2 * STRIDE)
        cy = (b[:, 1] + b[:, 3]) / (2 * STRIDE)
        bw, bh = (b[:, 2] - b[:, 0]) / STRIDE, (b[:, 3] - b[:, 1]) / STRIDE
        ix = cx.floor().clamp(0, out_w - 1)
        iy = cy.floor().clamp(0, out_h - 1)
        sx = (bw / 6).clamp(min=0.4)[:, None]
        sy = (bh / 6).clamp(min=0.4)[:, None]
        g = torch.exp(-((gx - ix[:, None]) ** 2 / (2 * sx * sx) + (gy - iy[:, None]) ** 2 / (2 * sy * sy)))
        heat[i] = g.amax(0)
        idx = (iy * out_w + ix).long()
        reg[i, :, idx] = torch.stack([cx - ix, cy - iy, bw.log(), bh.log()])
        mask[i, 0, idx] = 1.0
    return heat.view(n, 1, out_h, out_w), reg.view(n, 4, out_h, out_w), mask.view(n, 1, out_h, out_w)


def loss_fn(out: torch.Tensor, heat: torch.Tensor, reg: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    out = out.float()
    p = torch.sigmoid(out[:, :1]).clamp(1e-4, 1 - 1e-4)
    pos = (heat >= 1.0).float()
    n = pos.sum().clamp(min=1.0)
    hm = -(pos * (1 - p) ** 2 * torch.log(p) + (1 - pos) * (1 - heat) ** 4 * p**2 * torch.log(1 - p)).sum() / n
    l1 = (F.l1_loss(out[:, 1:], reg, reduction="none") * mask).sum() / n
    return hm + l1


@torch.no_grad()
def decode(out: torch.Tensor, top_k: int = 300):
    """Per image: (K,4) canvas-px boxes and (K,) scores, best first (no threshold applied)."""
    heat = torch.sigmoid(out[:, 0:1].float())
    peaks = heat * (F.max_pool2d(heat, 3, 1, 1) == heat)
    n, _, h, w = heat.shape
    k = min(top_k, h * w)
    scores, idx = peaks.view(n, -1).topk(k)
    ys, xs = (idx // w).float(), (idx % w).float()
    reg = out[:, 1:].float().reshape(n, 4, -1)
    g = lambda c: torch.gather(reg[:, c], 1, idx)  # noqa: E731
    cx, cy = (xs + g(0)) * STRIDE, (ys + g(1)) * STRIDE
    bw, bh = g(2).clamp(max=8).exp() * STRIDE, g(3).clamp(max=8).exp() * STRIDE
    boxes = torch.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], -1)
    return [(boxes[i], scores[i]) for i in range(n)]
