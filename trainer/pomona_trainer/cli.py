"""Command line: `python -m pomona_trainer train | infer | evaluate | embed | export | synth` (see docs/trainer.md).

Exit codes: 0 done; 2 bad input (one line on stderr naming the file, line or flag); 130/143 stopped by
SIGINT/SIGTERM; 1 anything else (a bug or a runtime failure worth retrying).
"""
import argparse
import sys
from collections.abc import Callable

from . import defaults, interrupt
from .errors import InputError, Interrupted


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own usage errors: one line, exit 2, like every bad input
        sys.stderr.write(f"{self.prog}: {message}\n")
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="pomona_trainer", description="pomona's reference detector")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    t = sub.add_parser("train", help="train on KITTI labels")
    t.add_argument("--images", required=True)
    t.add_argument("--labels", required=True)
    t.add_argument("--out", required=True)
    t.add_argument("--epochs", type=int, default=None, help=f"total epochs (default {defaults.TRAIN['epochs']}; on --resume, the checkpoint's)")
    t.add_argument("--min-steps", type=int, default=0, help="train at least this many optimiser steps: more epochs for small sets (new runs only)")
    start = t.add_mutually_exclusive_group()
    start.add_argument("--init", help="start a new run from these weights (fine-tuning)")
    start.add_argument("--resume", help="continue the run that wrote this checkpoint")
    t.add_argument("--seed", type=int, default=None, help=f"default {defaults.TRAIN['seed']}")
    t.add_argument("--device", default="auto")
    t.add_argument("--checkpoint-interval", type=int, default=None, help=f"default {defaults.TRAIN['checkpoint_interval']}")
    t.add_argument("--val-images")
    t.add_argument("--val-labels")
    t.add_argument("--batch-size", type=int, default=None, help=f"default {defaults.TRAIN['batch_size']}")
    t.add_argument("--input-size", default=None, help=f"WIDTHxHEIGHT of the training crops, multiples of 32 (default {defaults.TRAIN['input_size']})")
    t.add_argument("--backbone", default=None, help="efficientnet-lite0 (ImageNet-pretrained, default) | scratch; on --init/--resume, the checkpoint's")
    t.add_argument("--flips", default=None, help="horizontal (default) | all: also top-bottom, for aerial views (flips.py); on --init, the checkpoint's unless given")
    t.add_argument("--scale", type=float, default=None, help="resize every image by this factor first (default 1: native pixels; on --init/--resume, the checkpoint's)")
    t.add_argument("--classes", type=lambda text: [c for c in text.split(",") if c], default=None,
                   help="class names in output order, comma-separated (default: the labels' classes, most frequent first; on --init/--resume, the checkpoint's)")

    i = sub.add_parser("infer", help="predict KITTI boxes for a folder of images")
    i.add_argument("--model", required=True)
    i.add_argument("--images", required=True)
    i.add_argument("--out", required=True)
    i.add_argument("--threshold", type=float, default=defaults.INFER["threshold"])
    i.add_argument("--tile", type=int, default=defaults.INFER["tile"], help="images larger than this (px, at the model's scale) are inferred in overlapping tiles")
    i.add_argument("--overlap", type=int, default=defaults.INFER["overlap"], help="overlap of neighbouring tiles, px")
    i.add_argument("--tta", action="store_true", help="average the network over the flips it was trained with (2 or 4 passes; flips.py)")
    i.add_argument("--scales", default=None, help="multi-scale test: factors of the working scale, e.g. 0.5,1,2, passes merged by weighted box fusion (fusion.py)")
    i.add_argument("--device", default="auto")

    v = sub.add_parser("evaluate", help="mAP@0.5 of KITTI predictions against KITTI labels")
    v.add_argument("--labels", required=True, help="ground truth: one 15-field KITTI file per image")
    v.add_argument("--pred", required=True, help="predictions: 16-field KITTI files, score last")
    v.add_argument("--out", help="also write the JSON result here")

    e = sub.add_parser("embed", help="image embeddings for selection, Lightly CSV")
    e.add_argument("--features", default=defaults.EMBED["features"], help="backbone (pretrained EfficientNet-Lite0 features, the loop default) | scene (whitened scene statistics) | ssl (self-supervised encoder)")
    e.add_argument("--images", help="the images to embed (with --out, or --blocks-out for one shard)")
    e.add_argument("--out", help="the CSV to write (from --images, or from --from-blocks)")
    e.add_argument("--blocks-out", help="one shard of a pool: its feature blocks (.npz) instead of a CSV (backbone, scene; feature_blocks.py)")
    e.add_argument("--from-blocks", help="a folder of shards' blocks files: whiten them together into --out")
    e.add_argument("--stream-above", type=int, help="with --from-blocks: whiten shard by shard when the pool has more rows than this (default 20000)")
    e.add_argument("--epochs", type=int, default=defaults.EMBED["epochs"])
    e.add_argument("--dim", type=int, default=defaults.EMBED["dim"])
    e.add_argument("--seed", type=int, default=defaults.EMBED["seed"])
    e.add_argument("--device", default="auto")

    x = sub.add_parser("export", help="the detector as an ONNX model (export.py: inputs, outputs, decoding)")
    x.add_argument("--model", required=True)
    x.add_argument("--out", required=True, help="a new file")
    x.add_argument("--format", default="onnx", help="onnx")

    s = sub.add_parser("synth", help="synthetic orchard in MinneApple layout: independent images (--count) or video-like sequences (--sequences)")
    s.add_argument("--out", required=True)
    pool = s.add_mutually_exclusive_group(required=True)
    pool.add_argument("--count", type=int, help="independent images")
    pool.add_argument("--sequences", type=int, help="rows filmed by a moving camera, --frames each (sequences.py)")
    s.add_argument("--frames", type=int, help="with --sequences: frames per sequence (default 30)")
    s.add_argument("--overlap", type=float, help="with --sequences: share of a frame's width that the next frame repeats (default 0.9)")
    s.add_argument("--tail", type=float, help="with --sequences: long tail of conditions, P(k) ~ (k+1)^-tail, 0 = uniform (default 1)")
    s.add_argument("--orchards", type=int, help="with --sequences: orchards the rows belong to (default 3)")
    s.add_argument("--length-spread", type=float,
                   help="with --sequences: rows of different lengths, lognormal with mean --frames and this sigma (default 0: all equal)")
    s.add_argument("--seed", type=int, required=True)
    s.add_argument("--width", type=int, default=640)
    s.add_argument("--height", type=int, default=360)
    s.add_argument("--style", default="orchard", help="orchard | alt")
    s.add_argument("--colour-classes", action="store_true",
                   help="with --count: red and green apples as two classes, KITTI labels in OUT/labels (synth.py)")
    return p


SEQUENCE_KNOBS = ("frames", "overlap", "tail", "orchards", "length_spread")


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return run_guarded(args.command, lambda: _run(args))


def run_guarded(command: str, work: Callable[[], int]) -> int:
    """One command's work with stop signals watched: bad input is one line and exit 2, a stop 130/143."""
    interrupt.install()
    try:
        return work()
    except InputError as err:
        sys.stderr.write(f"error: {err}\n")
        return 2
    except Interrupted as stop:
        sys.stderr.write(f"{command}: stopped by signal\n")
        return stop.exit_code


def _run(args: argparse.Namespace) -> int:
    if args.command == "synth":
        knobs = {k: getattr(args, k) for k in SEQUENCE_KNOBS if getattr(args, k) is not None}
        if args.sequences is not None:
            if args.colour_classes:
                raise InputError("--colour-classes: only with --count")
            from . import sequences

            sequences.generate(args.out, args.sequences, seed=args.seed, width=args.width, height=args.height, style=args.style, **knobs)
            return 0
        if knobs:
            raise InputError(f"--{next(iter(knobs)).replace('_', '-')}: only with --sequences")
        from . import synth

        synth.generate(args.out, args.count, args.seed, args.width, args.height, args.style, args.colour_classes)
        return 0
    # The library takes options, not argparse: the flags' names are the options' fields.
    flags = {k: v for k, v in vars(args).items() if k != "command"}
    if args.command == "train":
        from . import train

        return train.run(train.TrainOptions(**flags))
    if args.command == "infer":
        from . import infer

        return infer.run(infer.InferOptions(**flags))
    if args.command == "export":
        from . import export

        return export.run(export.ExportOptions(**flags))
    if args.command == "evaluate":
        from . import evaluate

        return evaluate.run(evaluate.EvaluateOptions(**flags))
    from . import embed

    return embed.run(embed.EmbedOptions(**flags))
