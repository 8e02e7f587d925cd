"""Flips: the mirror symmetries a model is trained with (`train --flips`) and averaged over at test time
(`infer --tta`).

- `horizontal` (default): left-right mirror, p = 0.5 (orchard rows and most photographs: the sky stays up).
- `all`: also top-bottom, p = 0.5, independently (aerial views, which have no up).

Test-time augmentation runs the network on the input and on each of its flips, maps every output back to
the input's frame and averages it (`tta_forward`): for a flip along x, cell c of the flipped map is cell
W/4 - 1 - c of the original, and a centre offset o there is 1 - o (centre x = 4 (c + o) in both frames);
likewise along y. Heatmap probabilities are averaged (then returned as logits, as `decode` expects),
offsets and log sizes are averaged as they are.
"""
import torch

from . import defaults
from .errors import InputError

FLIPS = ("horizontal", "all")
DEFAULT_FLIPS: str = defaults.TRAIN["flips"]


def check(name: str) -> str:
    if name not in FLIPS:
        raise InputError(f"--flips {name}: unknown (use {' or '.join(FLIPS)})")
    return name


def _views(flips: str) -> list[list[int]]:
    """The flips of a (B, C, H, W) tensor as torch.flip dims: identity, x, and with `all` y and both."""
    return [[], [3]] if flips == "horizontal" else [[], [3], [2], [2, 3]]


@torch.no_grad()
def tta_forward(net, x: torch.Tensor, flips: str) -> torch.Tensor:
    views = _views(flips)
    k = getattr(net, "num_classes", 1)  # heatmap channels come first, then offset x, offset y, log w, log h
    prob: torch.Tensor | float = 0.0
    rest: torch.Tensor | float = 0.0
    for dims in views:
        out = net(torch.flip(x, dims) if dims else x).float()
        if dims:
            out = torch.flip(out, dims).clone()
            if 3 in dims:
                out[:, k] = 1 - out[:, k]
            if 2 in dims:
                out[:, k + 1] = 1 - out[:, k + 1]
        prob = prob + torch.sigmoid(out[:, :k])
        rest = rest + out[:, k:]
    assert isinstance(prob, torch.Tensor) and isinstance(rest, torch.Tensor)  # views always has the identity
    prob = (prob / len(views)).clamp(1e-6, 1 - 1e-6)
    return torch.cat([torch.logit(prob), rest / len(views)], 1)
