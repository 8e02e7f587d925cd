import json

import numpy as np
import onnxruntime
import torch
from conftest import run_cli
from PIL import Image

from pomona_trainer import model as model_lib
from pomona_trainer.export import load_network


def test_the_onnx_model_finds_the_boxes_pytorch_finds(trained, tiny, tmp_path):
    out, _ = trained
    ckpt = out / "weights" / "epoch_002.pt"
    onnx_file = tmp_path / "detector.onnx"
    proc = run_cli("export", "--model", ckpt, "--out", onnx_file)
    assert proc.returncode == 0, proc.stderr
    done = json.loads(proc.stdout.strip().splitlines()[-1])
    assert done["event"] == "done" and done["max_difference"] < 1e-3
    assert proc.stderr == ""

    # One real image, padded to a multiple of 32 as export.py documents, through both runtimes.
    images, _ = tiny
    rgb = np.asarray(Image.open(min(images.iterdir())).convert("RGB"), np.float32) / 255
    h, w = (-(-s // 32) * 32 for s in rgb.shape[:2])
    x = np.full((1, 3, h, w), 114 / 255, np.float32)
    x[0, :, : rgb.shape[0], : rgb.shape[1]] = rgb.transpose(2, 0, 1)
    with torch.no_grad():
        expected = load_network(str(ckpt))(torch.from_numpy(x))
    (got,) = onnxruntime.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"]).run(["maps"], {"image": x})
    (eb, es, *_), (gb, gs, *_) = model_lib.decode(expected, 50)[0], model_lib.decode(torch.from_numpy(got), 50)[0]
    assert es[0] > 0 and torch.allclose(es, gs, atol=1e-4)
    assert torch.allclose(eb, gb, atol=1e-2)


def test_export_refuses_to_overwrite_and_other_formats(trained, tmp_path):
    out, _ = trained
    ckpt = out / "weights" / "epoch_002.pt"
    taken = tmp_path / "taken.onnx"
    taken.write_text("keep me")
    proc = run_cli("export", "--model", ckpt, "--out", taken)
    assert proc.returncode == 2 and proc.stderr.strip() == f"error: --out {taken}: exists (nothing is overwritten)"
    assert taken.read_text() == "keep me"
    proc = run_cli("export", "--model", ckpt, "--out", tmp_path / "m.tflite", "--format", "tflite")
    assert proc.returncode == 2 and proc.stderr.strip() == "error: --format tflite: only onnx"
