"""`embed`: Lightly's CSV (filenames, embedding_0..D-1, labels); each image's 4x4 RGB thumbnail through a
fixed random projection (seeded by --seed) to --dim, L2-normalised: similar images get similar rows."""
import math
import os
import time

from PIL import Image

from pomona_trainer import interrupt
from pomona_trainer.errors import InputError
from pomona_trainer.fsutil import write_text_atomic
from pomona_trainer.images import list_images
from pomona_trainer.progress import emit

from . import model

THUMBNAIL = 4


def embedding(path: str, projection: list[list[float]]) -> list[float]:
    try:
        with Image.open(path) as im:
            pixels = [v / 255 for v in im.convert("RGB").resize((THUMBNAIL, THUMBNAIL), Image.Resampling.BILINEAR).tobytes()]
    except Exception as err:  # noqa: BLE001 -- PIL raises many types
        raise InputError(f"{path}: cannot read image ({type(err).__name__}: {err})".replace("\n", " ")) from None
    row = [sum(p * w for p, w in zip(pixels, column)) for column in projection]
    norm = math.sqrt(sum(v * v for v in row)) or 1.0
    return [v / norm for v in row]


def run(args) -> int:
    started = time.monotonic()
    if args.dim < 1:
        raise InputError(f"--dim {args.dim}: must be at least 1")
    paths = list_images(args.images)
    if not paths:
        raise InputError(f"--images {args.images}: no images")
    draw = model.rng("embed", str(args.seed))
    projection = [[draw.gauss(0, 1) for _ in range(THUMBNAIL * THUMBNAIL * 3)] for _ in range(args.dim)]
    rows = []
    for done, path in enumerate(paths, 1):
        interrupt.check()
        rows.append(",".join([os.path.basename(path), *(f"{v:.6f}" for v in embedding(path, projection)), "0"]))
        emit("progress", done=done, total=len(paths))
    header = ",".join(["filenames", *(f"embedding_{i}" for i in range(args.dim)), "labels"])
    write_text_atomic(args.out, header + "\n" + "\n".join(rows) + "\n")
    emit("done", images=len(paths), dim=args.dim, seconds=round(time.monotonic() - started, 3))
    return 0
