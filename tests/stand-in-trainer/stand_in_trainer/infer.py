"""`infer`: one KITTI 16-field file per image, boxes of the model's median sizes at places and with scores
drawn from the model's digest and the image's bytes (deterministic), best first, above --threshold; each
image takes POMONA_STAND_IN_INFER_SECONDS (default 0), so a test can kill a worker while it infers."""
import os
import time

from pomona_trainer import interrupt, kitti
from pomona_trainer.errors import InputError
from pomona_trainer.fsutil import write_text_atomic
from pomona_trainer.images import image_size, list_images
from pomona_trainer.progress import Throttle, emit

from . import model


def predict(fitted: dict, classes: list[str], image: str) -> list[tuple[str, tuple[float, float, float, float], float, list[float]]]:
    """(class, box, score, class probabilities) per prediction of one image, best first."""
    width, height = image_size(image)
    draw = model.rng(fitted["digest"], model.file_digest(image))
    found = []
    for _ in range(2 + draw.randrange(6)):
        k = draw.randrange(len(classes))
        w, h = (s * draw.uniform(0.8, 1.25) for s in fitted["sizes"][classes[k]])
        cx, cy = draw.uniform(0, width), draw.uniform(0, height)
        box = (max(0.0, cx - w / 2), max(0.0, cy - h / 2), min(float(width), cx + w / 2), min(float(height), cy + h / 2))
        probs = [draw.uniform(0.05, 1.0) for _ in classes]
        probs[k] = max(probs) + 0.05
        total = sum(probs)
        found.append((classes[k], box, draw.uniform(0.01, 0.99), [p / total for p in probs]))
    return sorted(found, key=lambda p: -p[2])


def image_seconds() -> float:
    return float(os.environ.get("POMONA_STAND_IN_INFER_SECONDS", "0"))


def run(args) -> int:
    started = time.monotonic()
    if not 0.0 <= args.threshold <= 1.0:
        raise InputError(f"--threshold {args.threshold}: must be within 0..1")
    ckpt = model.load(args.model, "--model")
    classes = ckpt["config"]["classes"]
    paths = list_images(args.images)
    os.makedirs(args.out, exist_ok=True)
    # at most every second and after the last image, as the trainer reports (a million lines otherwise)
    throttle = Throttle(1.0)
    for done, path in enumerate(paths, 1):
        interrupt.check()
        time.sleep(image_seconds())
        kept = [p for p in predict(ckpt["model"], classes, path) if p[2] >= args.threshold]
        if len(classes) > 1:
            # written first, as the trainer does: a .txt without its .probs would be read as one class
            write_text_atomic(os.path.join(args.out, kitti.stem(path) + ".probs"), "".join(" ".join(f"{v:.4f}" for v in p[3]) + "\n" for p in kept))
        write_text_atomic(os.path.join(args.out, kitti.stem(path) + ".txt"), "".join(kitti.format_prediction(c, b, s) + "\n" for c, b, s, _ in kept))
        if throttle.ready() or done == len(paths):
            emit("progress", done=done, total=len(paths))
    emit("done", images=len(paths), seconds=round(time.monotonic() - started, 3))
    return 0
