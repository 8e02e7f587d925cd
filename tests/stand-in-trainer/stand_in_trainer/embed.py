"""`embed`: Lightly's CSV (filenames, embedding_0..D-1, labels); each image's 4x4 RGB thumbnail through a
fixed random projection (seeded by --seed) to --dim, L2-normalised: similar images get similar rows. A pool in
shards as the trainer's (feature_blocks.py): `--blocks-out` writes a shard's rows as one block in the trainer's
blocks file, `--from-blocks` writes the shards' rows, in file-name order, as the CSV (rows need no whitening)."""
import math
import os
import time

from PIL import Image

from pomona_trainer import feature_blocks, interrupt
from pomona_trainer.errors import InputError
from pomona_trainer.fsutil import atomic_path, write_text_atomic
from pomona_trainer.images import list_images
from pomona_trainer.progress import Throttle, emit

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


def csv_lines(names: list[str], rows) -> str:
    return "".join(",".join([name, *(f"{v:.6f}" for v in row), "0"]) + "\n" for name, row in zip(names, rows))


def csv_header(dim: int) -> str:
    return ",".join(["filenames", *(f"embedding_{i}" for i in range(dim)), "labels"]) + "\n"


def write_csv(out: str, names: list[str], rows: list[list[float]], dim: int) -> None:
    write_text_atomic(out, csv_header(dim) + csv_lines(names, rows))


def run(args) -> int:
    started = time.monotonic()
    if args.dim < 1:
        raise InputError(f"--dim {args.dim}: must be at least 1")
    if args.from_blocks is not None:
        if args.out is None:
            raise InputError(f"--from-blocks {args.from_blocks}: --out is required")
        # shard by shard, as the trainer's streaming merge: one shard's rows in memory at a time
        count = 0
        with atomic_path(args.out) as tmp, open(tmp, "w", encoding="utf-8") as f:
            f.write(csv_header(args.dim))
            for _, names, blocks in feature_blocks.shards(feature_blocks.files_in(args.from_blocks)):
                f.write(csv_lines(names, blocks[0].tolist()))
                count += len(names)
        emit("done", images=count, dim=args.dim, seconds=round(time.monotonic() - started, 3))
        return 0
    if args.images is None or (args.out is None) == (args.blocks_out is None):
        raise InputError("--images with exactly one of --out and --blocks-out, or --from-blocks")
    paths = list_images(args.images)
    if not paths:
        raise InputError(f"--images {args.images}: no images")
    draw = model.rng("embed", str(args.seed))
    projection = [[draw.gauss(0, 1) for _ in range(THUMBNAIL * THUMBNAIL * 3)] for _ in range(args.dim)]
    rows = []
    # at most every second and after the last image, as the trainer reports (a million lines otherwise)
    throttle = Throttle(1.0)
    for done, path in enumerate(paths, 1):
        interrupt.check()
        rows.append(embedding(path, projection))
        if throttle.ready() or done == len(paths):
            emit("progress", done=done, total=len(paths))
    names = [os.path.basename(p) for p in paths]
    if args.blocks_out is not None:
        feature_blocks.save(args.blocks_out, args.features, names, [rows])
        emit("done", images=len(paths), seconds=round(time.monotonic() - started, 3))
        return 0
    write_csv(args.out, names, rows, args.dim)
    emit("done", images=len(paths), dim=args.dim, seconds=round(time.monotonic() - started, 3))
    return 0
