"""`embed --features backbone`: pretrained EfficientNet-Lite0 features, pooled, reduced by PCA."""
import csv
import socket

import numpy as np
import torch
from conftest import events, run_cli
from PIL import Image

from pomona_trainer import synth


def _vectors(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    return rows[0], [r[0] for r in rows[1:]], np.array([[float(v) for v in r[1:-1]] for r in rows[1:]])


def test_backbone_is_the_default_and_writes_lightly_csv(tiny, tmp_path):
    images, _ = tiny
    out = tmp_path / "default.csv"
    proc = run_cli("embed", "--images", images, "--out", out, "--dim", 16, "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    got = events(proc.stdout)
    progress = [e for e in got if e["event"] == "progress"]
    assert progress and all(e["phase"] == "embed" and e["total"] == 8 and 0 < e["done"] <= 8 for e in progress)
    assert got[-1] == {**got[-1], "event": "done", "images": 8, "dim": 16}
    header, names, vecs = _vectors(out)
    assert header == ["filenames"] + [f"embedding_{i}" for i in range(16)] + ["labels"]
    assert names == sorted(p.name for p in images.iterdir())
    assert all(r[-1] == "0" for r in list(csv.reader(out.read_text().splitlines()))[1:])
    assert vecs.shape == (8, 16)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-6)
    # 8 centred images span at most 7 directions: the rest of the 16 columns are 0
    assert np.all(vecs[:, 7:] == 0) and np.ptp(vecs[:, :7], axis=0).min() > 1e-3

    explicit = tmp_path / "explicit.csv"
    assert run_cli("embed", "--images", images, "--out", explicit, "--dim", 16, "--device", "cpu", "--features", "backbone").returncode == 0
    assert explicit.read_bytes() == out.read_bytes(), "deterministic, and the default is backbone"


def test_network_size_keeps_the_aspect_at_multiples_of_32():
    from pomona_trainer.backbone_embeddings import network_size

    assert network_size(640, 360) == (384, 224)
    assert network_size(360, 640) == (224, 384)
    assert network_size(128, 96) == (288, 224)
    assert network_size(4000, 100) == (672, 224), "a panorama is capped at 3x the shorter side"


def test_pretrained_weights_load_without_network(monkeypatch):
    from pomona_trainer.backbone import (
        EfficientNetLite0Features,
        pretrained_weights_path,
    )

    def refuse(*args, **kwargs):
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    net = EfficientNetLite0Features(pretrained=True)
    state = torch.load(pretrained_weights_path(), map_location="cpu", weights_only=True)
    assert torch.equal(net.stem[0].weight, state["_conv_stem.weight"])
    assert torch.equal(net.blocks[15]._project_conv.weight, state["_blocks.15._project_conv.weight"])
    assert not torch.equal(EfficientNetLite0Features(pretrained=False).stem[0].weight, state["_conv_stem.weight"])


def test_a_near_duplicate_is_nearer_to_its_original_than_to_other_images(tmp_path):
    # well over dim images: whitening all N - 1 components of N images would make every distance equal
    synth.generate(str(tmp_path / "orchard"), 24, seed=4, width=320, height=180)
    images = tmp_path / "orchard" / "images"
    original = np.asarray(Image.open(images / "000000.png").convert("RGB")).astype(int)
    # shifted 6 px right (the left edge repeated) and 8% brighter
    shifted = np.concatenate([np.repeat(original[:, :1], 6, axis=1), original[:, :-6]], axis=1)
    Image.fromarray(np.clip(shifted * 1.08, 0, 255).astype(np.uint8)).save(images / "copy.png")
    out = tmp_path / "e.csv"
    proc = run_cli("embed", "--images", images, "--out", out, "--dim", 8, "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    _, names, x = _vectors(out)
    d = np.linalg.norm(x[:, None] - x[None], axis=2)
    np.fill_diagonal(d, np.inf)
    copy, first = names.index("copy.png"), names.index("000000.png")
    assert d[copy].argmin() == first
    assert d[first].argmin() == copy
