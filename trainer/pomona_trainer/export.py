"""`export`: the detector as an ONNX model, for serving outside pomona.

The ONNX graph is the network alone; pre- and post-processing stay with the caller (docs/trainer.md):
  input  `image`: float32 (N, 3, H, W), RGB in [0, 1], H and W multiples of 32 (pad with 114/255 grey), the
         image resized by the checkpoint's `scale` first (1 = native pixels); normalisation is inside.
  output `maps`: float32 (N, K + 4, H/4, W/4), K classes: channels 0..K-1 the centre-heatmap logits, K..K+1
         the centre offset within the cell, K+2..K+3 log width and height in cells (model.decode turns them
         into boxes and classes).
After writing, the export runs onnxruntime on a random input and refuses the file when its output
differs from PyTorch's by more than `TOLERANCE`.
"""
import os
import warnings
from dataclasses import dataclass

import numpy as np
import torch

from . import checkpoint
from . import model as model_lib
from .errors import InputError
from .fsutil import atomic_path
from .progress import emit

TOLERANCE = 1e-3
OPSET = 18


@dataclass
class ExportOptions:
    """What `export` is asked to do (the command line's flags)."""

    model: str
    out: str
    format: str = "onnx"


def load_network(path: str) -> torch.nn.Module:
    ckpt = checkpoint.load(path, "--model")
    net = model_lib.build(ckpt["config"]["model"], pretrained=False)
    net.load_state_dict(ckpt["model"])
    return net.eval()


def run(args: ExportOptions) -> int:
    if args.format != "onnx":
        raise InputError(f"--format {args.format}: only onnx")
    if os.path.exists(args.out):
        raise InputError(f"--out {args.out}: exists (nothing is overwritten)")
    net = load_network(args.model)
    example = torch.rand(1, 3, 256, 448)
    with atomic_path(args.out) as tmp, warnings.catch_warnings():
        # The TorchScript exporter warns about constant folding it skips: nothing the user can act on.
        warnings.simplefilter("ignore", UserWarning)
        torch.onnx.export(
            net,
            (example,),
            tmp,
            input_names=["image"],
            output_names=["maps"],
            dynamic_axes={"image": {0: "n", 2: "height", 3: "width"}, "maps": {0: "n", 2: "height4", 3: "width4"}},
            opset_version=OPSET,
            dynamo=False,
        )
        difference = _max_difference(net, tmp)
        if difference > TOLERANCE:
            raise RuntimeError(f"the ONNX model's output differs from PyTorch's by {difference:.2e} (> {TOLERANCE})")
    emit("done", out=args.out, max_difference=difference)
    return 0


def _max_difference(net: torch.nn.Module, onnx_file: str) -> float:
    """Largest |ONNX - PyTorch| on a random input of another size and batch than the export's."""
    import onnxruntime  # only here: the package is large to import

    x = torch.rand(2, 3, 192, 320)
    with torch.no_grad():
        expected = net(x).numpy()
    session = onnxruntime.InferenceSession(onnx_file, providers=["CPUExecutionProvider"])
    (got,) = session.run(["maps"], {"image": x.numpy()})
    return float(np.abs(np.asarray(got) - expected).max())
