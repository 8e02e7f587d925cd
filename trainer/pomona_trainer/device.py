"""Device choice: `auto` takes CUDA when torch sees it, `cpu`, or `cuda[:N]` (an error without CUDA)."""
import re

import torch

from .errors import InputError


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if re.fullmatch(r"cuda(:\d+)?", name or ""):
        if not torch.cuda.is_available():
            raise InputError(f"--device {name}: CUDA is not available on this machine")
        index = int(name.split(":")[1]) if ":" in name else 0
        if index >= torch.cuda.device_count():
            raise InputError(f"--device {name}: no such CUDA device ({torch.cuda.device_count()} present)")
        return torch.device(name)
    raise InputError(f"--device {name}: unknown device (use auto, cpu or cuda[:N])")
