"""Checkpoints: one dict per file, written atomically (temp file + os.replace), loaded with weights_only.

Contents: format/format_version, arch/arch_version, config (model widths, input size, batch size, seed,
learning rate, class name), epoch (last completed) and epochs (planned total), model / optimizer state,
scheduler {step, total_steps}, rng {python, numpy, torch, data} and history (the CSV log rows so far).
Everything is plain tensors, numbers, strings, lists and dicts, so torch.load(weights_only=True) reads it.
"""
import os
import random
from typing import cast

import numpy as np
import torch

from . import model as model_lib
from .errors import InputError
from .fsutil import atomic_path

FORMAT = "pomona-trainer-checkpoint"
FORMAT_VERSION = 1


def path_for(out_dir: str, epoch: int) -> str:
    return os.path.join(out_dir, "weights", f"epoch_{epoch:03d}.pt")


def save(path: str, payload: dict) -> None:
    body = {"format": FORMAT, "format_version": FORMAT_VERSION, "arch": model_lib.ARCH, "arch_version": model_lib.ARCH_VERSION}
    body.update(payload)
    with atomic_path(path) as tmp:
        torch.save(body, tmp)


def load(path: str, flag: str) -> dict:
    """Loads and checks a checkpoint; anything else (missing, foreign, other architecture) is an InputError."""
    if not os.path.isfile(path):
        raise InputError(f"{flag} {path}: no such checkpoint file")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 -- torch.load raises many types for a damaged file
        raise InputError(f"{path}: not a pomona checkpoint ({type(err).__name__})") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise InputError(f"{path}: not a pomona checkpoint")
    if ckpt.get("arch") != model_lib.ARCH or ckpt.get("arch_version") != model_lib.ARCH_VERSION:
        raise InputError(
            f"{path}: checkpoint of architecture {ckpt.get('arch')} v{ckpt.get('arch_version')}, "
            f"this trainer is {model_lib.ARCH} v{model_lib.ARCH_VERSION}"
        )
    return ckpt


def rng_states(data_generator: torch.Generator) -> dict:
    kind, keys, pos, has_gauss, cached = cast(tuple, np.random.get_state(legacy=True))
    return {
        "python": random.getstate(),
        "numpy": [kind, keys.tolist(), int(pos), int(has_gauss), float(cached)],
        "torch": torch.get_rng_state(),
        "data": data_generator.get_state(),
    }


def restore_rng(states: dict, data_generator: torch.Generator) -> None:
    random.setstate(_tuples(states["python"]))
    kind, keys, pos, has_gauss, cached = states["numpy"]
    np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(states["torch"])
    data_generator.set_state(states["data"])


def _tuples(value):
    """random.setstate wants tuples; be lenient if a list comes back."""
    return tuple(_tuples(v) for v in value) if isinstance(value, (list, tuple)) else value
