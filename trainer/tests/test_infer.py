import numpy as np
import pytest
import torch
from PIL import Image

from pomona_trainer.data import Letterboxed, letterbox
from pomona_trainer.infer import _lines
from conftest import events, run_cli


@pytest.fixture(scope="module")
def mixed_images(tmp_path_factory, tiny):
    """The tiny set's images plus one much larger and one tall image (any size must work)."""
    images, _ = tiny
    d = tmp_path_factory.mktemp("mixed")
    for p in sorted(images.iterdir())[:3]:
        (d / p.name).write_bytes(p.read_bytes())
    big = Image.open(sorted(images.iterdir())[0]).resize((700, 500))
    big.save(d / "big.jpg")
    Image.new("RGB", (40, 300), (90, 140, 60)).save(d / "tall.png")
    return d


def _read(path):
    return [line.split() for line in path.read_text().splitlines()]


def test_infer_writes_one_16_field_file_per_image_in_original_pixels(trained, mixed_images, tmp_path):
    out, _ = trained
    proc = run_cli("infer", "--model", out / "weights" / "epoch_002.pt", "--images", mixed_images, "--out", tmp_path / "pred",
                   "--threshold", 0, "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    evs = events(proc.stdout)
    assert evs[-1]["event"] == "done" and evs[-1]["images"] == 5
    assert any(e["event"] == "progress" and e["done"] == 5 and e["total"] == 5 for e in evs)
    files = sorted(p.name for p in (tmp_path / "pred").iterdir())
    assert files == sorted(p.stem + ".txt" for p in mixed_images.iterdir())
    for p in mixed_images.iterdir():
        w, h = Image.open(p).size
        rows = _read(tmp_path / "pred" / (p.stem + ".txt"))
        assert 0 < len(rows) <= 300  # threshold 0 keeps every peak, capped
        for r in rows:
            assert len(r) == 16 and r[0] == "apple" and r[1:4] == ["0", "0", "0"] and r[8:15] == ["0"] * 7
            x1, y1, x2, y2, score = map(float, r[4:8] + r[15:])
            assert 0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h
            assert 0 <= score <= 1
        scores = [float(r[15]) for r in rows]
        assert scores == sorted(scores, reverse=True)
    # boxes in the big image scale with it: their extent reaches beyond the small images' size
    big = np.array([[float(v) for v in r[4:8]] for r in _read(tmp_path / "pred" / "big.txt")])
    assert big[:, 2].max() > 200


def test_infer_threshold_one_gives_empty_files(trained, mixed_images, tmp_path):
    out, _ = trained
    proc = run_cli("infer", "--model", out / "weights" / "epoch_002.pt", "--images", mixed_images, "--out", tmp_path, "--threshold", 1, "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    assert len(list(tmp_path.iterdir())) == 5
    assert all(p.read_text() == "" for p in tmp_path.iterdir())


def test_prediction_lines_map_letterbox_back_to_original_pixels():
    lb = letterbox(np.zeros((360, 640, 3), np.uint8), 448, 256)  # scale 0.7
    assert (lb.sx, lb.sy) == (0.7, 252 / 360)
    boxes = torch.tensor([[70.0, 35.0, 140.0, 70.0], [440.0, 240.0, 460.0, 260.0], [1.0, 1.0, 2.0, 2.0]])
    scores = torch.tensor([0.9, 0.5, 0.01])
    rows = [line.split() for line in _lines(lb, boxes, scores, 0.05, "pear").splitlines()]
    assert len(rows) == 2 and rows[0][0] == "pear"
    assert [float(v) for v in rows[0][4:8]] == [100.0, 50.0, 200.0, 100.0]
    assert [float(v) for v in rows[1][4:8]] == [pytest.approx(628.57, abs=0.01), pytest.approx(342.86, abs=0.01), 640.0, 360.0]
    assert rows[0][15] == "0.9000"
