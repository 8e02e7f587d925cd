"""Image folders: which files are images, and loading one as RGB with a one-line error naming it."""
import os

import numpy as np
from PIL import Image

from .errors import InputError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp")


def list_images(folder: str, flag: str = "--images") -> list[str]:
    """Sorted image paths in `folder` (not recursive). Symlinks are followed (training data is staged as links)."""
    if not os.path.isdir(folder):
        raise InputError(f"{flag} {folder}: no such directory")
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith(IMAGE_EXTENSIONS) and not n.startswith("."))
    return [os.path.join(folder, n) for n in names]


def load_rgb(path: str) -> np.ndarray:
    """HxWx3 uint8. Any decoding problem (missing, truncated, not an image) is an InputError naming the file."""
    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB"))
    except Exception as err:  # noqa: BLE001 -- PIL raises many types (OSError, SyntaxError, ValueError ...)
        raise InputError(f"{path}: cannot read image ({type(err).__name__}: {err})".replace("\n", " ")) from None


def image_size(path: str) -> tuple[int, int]:
    """(width, height) from the header only."""
    try:
        with Image.open(path) as im:
            return im.size
    except Exception as err:  # noqa: BLE001 -- as in load_rgb
        raise InputError(f"{path}: cannot read image ({type(err).__name__}: {err})".replace("\n", " ")) from None
