"""`train`: the trainer's checkpoints, events and log, with a pause in place of each epoch's work."""
import math
import os
import time

from pomona_trainer import defaults, interrupt, kitti, label_files
from pomona_trainer.errors import InputError
from pomona_trainer.fsutil import write_text_atomic
from pomona_trainer.images import image_size
from pomona_trainer.progress import emit, say

from . import model


def epoch_seconds() -> float:
    return float(os.environ.get("POMONA_STAND_IN_EPOCH_SECONDS", "0.25"))


def read_labels(images_dir: str, labels_dir: str) -> list[tuple[str, list[str], list[tuple[float, float, float, float]]]]:
    """(label path, classes, boxes) per label file, paired with its image and checked against its size as the trainer does."""
    found = []
    for image, label in label_files.find_pairs(images_dir, labels_dir):
        width, height = image_size(image)
        boxes, classes = kitti.parse_label_file(label, width, height)
        found.append((label, classes, [tuple(float(v) for v in b) for b in boxes]))
    if not any(classes for _, classes, _ in found):
        raise InputError(f"--labels {labels_dir}: the label files hold no boxes")
    return found


def run(args) -> int:
    started = time.monotonic()
    if args.resume and args.init:
        raise InputError("--resume and --init: give at most one")
    if args.epochs is not None and args.epochs < 1:
        raise InputError(f"--epochs {args.epochs}: must be at least 1")
    resume = model.load(args.resume, "--resume") if args.resume else None
    init = model.load(args.init, "--init") if args.init else None
    for ckpt, flag, path in ((resume, "--resume", args.resume), (init, "--init", args.init)):
        if ckpt and args.backbone and ckpt["config"]["backbone"] != args.backbone:
            raise InputError(f"{flag} {path}: a checkpoint of backbone {ckpt['config']['backbone']}, not --backbone {args.backbone}")
    base = resume or init
    labels = read_labels(args.images, args.labels)
    classes = label_files.class_order([(path, found) for path, found, _ in labels], base["config"]["classes"] if base else args.classes)
    if resume:
        config = resume["config"]
        epochs = args.epochs if args.epochs is not None else resume["epochs"]
    else:
        config = {
            "backbone": (init["config"]["backbone"] if init else args.backbone) or defaults.TRAIN["backbone"],
            "classes": classes,
            "batch_size": args.batch_size or defaults.TRAIN["batch_size"],
        }
        epochs = args.epochs or defaults.TRAIN["epochs"]
    interval = args.checkpoint_interval or defaults.TRAIN["checkpoint_interval"]
    if interval < 1:
        raise InputError(f"--checkpoint-interval {interval}: must be at least 1")
    # one crop per image, so a small set lengthens itself to --min-steps as the trainer's does
    steps_per_epoch = math.ceil(len(labels) / config["batch_size"])
    if not resume and args.min_steps:
        epochs = max(epochs, math.ceil(args.min_steps / steps_per_epoch))
    fitted = model.fit(labels, classes)
    say(f"train (stand-in): {len(labels)} images, {sum(len(found) for _, found, _ in labels)} boxes, classes {','.join(classes)}, {epoch_seconds()} s an epoch")

    history = list(resume["history"]) if resume else []
    first = resume["epoch"] + 1 if resume else 1
    last_checkpoint = args.resume if resume else None
    os.makedirs(os.path.join(args.out, "weights"), exist_ok=True)
    for epoch in range(first, epochs + 1):
        epoch_start = time.monotonic()
        deadline = epoch_start + epoch_seconds()
        while True:
            interrupt.check()
            left = deadline - time.monotonic()
            if left <= 0:
                break
            time.sleep(min(left, 0.05))
        row = {"epoch": epoch, "loss": round(1.0 / epoch, 6), "seconds": round(time.monotonic() - epoch_start, 3)}
        history.append(row)
        saved = None
        if epoch % interval == 0 or epoch == epochs:
            saved = os.path.join(args.out, "weights", f"epoch_{epoch:03d}.pt")
            model.save(saved, {"config": config, "epoch": epoch, "epochs": epochs, "model": fitted, "history": history})
            last_checkpoint = saved
        write_text_atomic(os.path.join(args.out, "train_log.csv"), "epoch,loss,seconds\n" + "".join(f"{r['epoch']},{r['loss']},{r['seconds']}\n" for r in history))
        emit("epoch", epoch=epoch, epochs=epochs, loss=row["loss"], checkpoint=saved, seconds=row["seconds"])
    emit("done", epochs=epochs, checkpoint=last_checkpoint, seconds=round(time.monotonic() - started, 3), steps=steps_per_epoch * (epochs - first + 1), crops=len(labels) * (epochs - first + 1))
    return 0
