"""The stand-in's "model": each class's median box size in the labels, and a digest of the labels, kept in
JSON checkpoints under the trainer's names (`weights/epoch_NNN.pt`)."""
import hashlib
import json
import os
import random
import statistics

from pomona_trainer.errors import InputError
from pomona_trainer.fsutil import write_text_atomic

FORMAT = "pomona-stand-in-checkpoint"


def fit(labels: list[tuple[str, list[str], list[tuple[float, float, float, float]]]], classes: list[str]) -> dict:
    """From (label path, classes, boxes) per image: the median width and height per class, and a digest."""
    digest = hashlib.sha256()
    sizes: dict[str, list[tuple[float, float]]] = {c: [] for c in classes}
    for path, found, boxes in labels:
        digest.update(os.path.basename(path).encode())
        for name, (x1, y1, x2, y2) in zip(found, boxes):
            digest.update(f"{name} {x1:.2f} {y1:.2f} {x2:.2f} {y2:.2f}".encode())
            sizes[name].append((x2 - x1, y2 - y1))
    median = {c: [statistics.median(w for w, _ in s), statistics.median(h for _, h in s)] if s else [16.0, 16.0] for c, s in sizes.items()}
    return {"digest": digest.hexdigest(), "sizes": median}


def save(path: str, body: dict) -> None:
    write_text_atomic(path, json.dumps({"format": FORMAT, **body}))


def load(path: str, flag: str) -> dict:
    if not os.path.isfile(path):
        raise InputError(f"{flag} {path}: no such checkpoint file")
    try:
        with open(path, encoding="utf-8") as f:
            body = json.load(f)
    except (OSError, ValueError, UnicodeDecodeError):
        raise InputError(f"{path}: not a pomona checkpoint (the stand-in trainer reads only its own)") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise InputError(f"{path}: not a pomona checkpoint (the stand-in trainer reads only its own)")
    return body


def rng(*parts: str) -> random.Random:
    """A generator seeded by the parts: the same inputs give the same draws, in any process."""
    return random.Random(hashlib.sha256("\0".join(parts).encode()).digest())


def file_digest(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()
