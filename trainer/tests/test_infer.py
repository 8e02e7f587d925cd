import numpy as np
import pytest
import torch
from conftest import events, run_cli
from PIL import Image

from pomona_trainer.infer import _lines, detect, load_model


@pytest.fixture(scope="module")
def mixed_images(tmp_path_factory, tiny):
    """The tiny set's images plus one much larger and one tall image (any size must work)."""
    images, _ = tiny
    d = tmp_path_factory.mktemp("mixed")
    for p in sorted(images.iterdir())[:3]:
        (d / p.name).write_bytes(p.read_bytes())
    big = Image.open(min(images.iterdir())).resize((700, 500))
    big.save(d / "big.jpg")
    Image.new("RGB", (40, 300), (90, 140, 60)).save(d / "tall.png")
    return d


def test_the_loaded_model_runs_in_eval_mode_so_an_image_s_boxes_do_not_depend_on_its_batch(trained, mixed_images):
    out, _ = trained
    net, _ = load_model(str(out / "weights" / "epoch_002.pt"), "cpu")
    assert not any(m.training for m in net.modules())
    images = [torch.from_numpy(np.asarray(Image.open(p).convert("RGB"))).permute(2, 0, 1) for p in sorted(mixed_images.iterdir())[:3]]
    alone = detect(net, images[:1], "cpu")[0]
    together = detect(net, images, "cpu")[0]
    assert np.allclose(alone[0], together[0], atol=1e-4) and np.allclose(alone[1], together[1], atol=1e-5)


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


def test_prediction_lines_clip_to_the_image_and_apply_the_threshold():
    boxes = np.array([[100.0, 50.0, 200.0, 100.0], [628.0, 340.0, 660.0, 380.0], [1.0, 1.0, 2.0, 2.0]], np.float32)
    scores = np.array([0.9, 0.5, 0.01], np.float32)
    classes = np.array([1, 0, 0])
    text, kept = _lines(boxes, scores, classes, 640, 360, 0.05, ["fig", "pear"])
    assert kept.tolist() == [0, 1]
    rows = [line.split() for line in text.splitlines()]
    assert len(rows) == 2 and rows[0][0] == "pear" and rows[1][0] == "fig"
    assert [float(v) for v in rows[0][4:8]] == [100.0, 50.0, 200.0, 100.0]
    assert [float(v) for v in rows[1][4:8]] == [628.0, 340.0, 640.0, 360.0]
    assert rows[0][15] == "0.9000"


class SquareFinder(torch.nn.Module):
    """A stand-in detector with CenterNet's output layout, for testing tiling alone: it finds white 8x8
    squares placed on multiples of 4 px exactly (peak at the square's centre cell, offset 0, size 8)."""

    def forward(self, x):
        _, _, h, w = x.shape
        white = (x.min(1, keepdim=True).values > 0.99).float()
        full = torch.nn.functional.avg_pool2d(white, 8, 4, padding=4, count_include_pad=True)[:, :, : h // 4, : w // 4]
        logit = 40 * (full - 0.75)
        size = torch.full_like(logit, float(np.log(2.0)))
        return torch.cat([logit, torch.zeros_like(logit), torch.zeros_like(logit), size, size], 1)


def _image_with_squares(width, height, corners):
    img = torch.full((3, height, width), 114, dtype=torch.uint8)
    for x, y in corners:
        img[:, y:y + 8, x:x + 8] = 255
    return img


def test_tiled_detection_finds_small_objects_once_in_original_pixels():
    """A 2000x1400 image cut into 256-px tiles (overlap 64): every 8-px square, also those on the seams,
    comes back exactly once with its own coordinates."""
    from pomona_trainer import tiling
    from pomona_trainer.infer import detect

    wins = tiling.windows(2000, 1400, 256, 64)
    seams_x = sorted({w.core[2] for w in wins if np.isfinite(w.core[2])})
    corners = [(x, y) for y in range(20, 1380, 52) for x in range(24, 1980, 76)]
    corners += [(int(s) // 4 * 4 - 4, 300) for s in seams_x]  # centred on (or next to) every vertical seam
    corners = sorted(set(corners))
    (boxes, scores, *_), = detect(SquareFinder(), [_image_with_squares(2000, 1400, corners)], "cpu", tile=256, overlap=64)
    found = boxes[scores > 0.5]
    assert len(wins) > 20
    assert len(found) == len(corners)
    want = np.array([[x, y, x + 8, y + 8] for x, y in corners], np.float32)
    got = found[np.lexsort((found[:, 0], found[:, 1]))]
    assert np.allclose(got, want[np.lexsort((want[:, 0], want[:, 1]))], atol=1e-4)


def test_windows_cover_the_image_and_their_cores_split_it():
    from pomona_trainer import tiling

    wins = tiling.windows(1000, 700, 256, 64)
    assert all(w.x1 - w.x0 == 256 and w.y1 - w.y0 == 256 for w in wins)
    for x, y in [(0, 0), (191.9, 10), (192, 10), (600.5, 699.9), (999.9, 350)]:
        inside = [w for w in wins if w.x0 <= x < w.x1 and w.y0 <= y < w.y1]
        cores = [w for w in wins if w.core[0] <= x < w.core[2] and w.core[1] <= y < w.core[3]]
        assert inside and len(cores) == 1 and cores[0] in inside
    small, = tiling.windows(300, 200, 1024, 128)
    assert (small.x0, small.y0, small.x1, small.y1, small.padded_shape) == (0, 0, 300, 200, (224, 320))


def test_seam_duplicates_keep_the_better_box():
    from pomona_trainer import tiling

    left = (np.array([[240.0, 10, 260, 30]], np.float32), np.array([0.6], np.float32), np.array([0]), np.array([[0.6, 0.1]]))
    right = (np.array([[241.0, 10, 261, 30], [400, 10, 420, 30]], np.float32), np.array([0.8, 0.7], np.float32), np.array([1, 0]),
             np.array([[0.2, 0.8], [0.7, 0.3]]))
    # both centres lie in their own window's core only if the seam lies between 250 and 251
    wins = [tiling.Window(0, 0, 256, 256, (-np.inf, -np.inf, 250.5, np.inf)), tiling.Window(244, 0, 500, 256, (250.5, -np.inf, np.inf, np.inf))]
    boxes, scores, classes, probs = tiling.merge([left, right], wins)
    assert scores.tolist() == pytest.approx([0.8, 0.7]) and boxes[0].tolist() == [241, 10, 261, 30]
    assert classes.tolist() == [1, 0] and probs.tolist() == [[0.2, 0.8], [0.7, 0.3]]
