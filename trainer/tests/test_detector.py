"""The detector learns (a short run finds the apples it trained on) and its pieces agree with each other."""
import numpy as np
import torch

from pomona_trainer import model
from pomona_trainer.data import sample_crops
from pomona_trainer.metrics import average_precision


def test_encode_then_decode_recovers_boxes():
    boxes = torch.tensor([[10.0, 12.0, 30.0, 28.0], [60.0, 40.0, 75.0, 61.0]])
    heat, reg, _mask = model.encode_targets([boxes], 24, 32)
    # a perfect network output: logits +-20 from the heatmap peaks, regression targets everywhere
    logits = torch.where(heat >= 1, 20.0, -20.0)
    out = torch.cat([logits, reg], 1)
    got, scores, _, _ = model.decode(out, top_k=10)[0]
    found = got[scores > 0.5]
    assert len(found) == 2
    assert torch.allclose(found[found[:, 0].argsort()], boxes, atol=1e-4)


def _square_tracked(x, box):
    x1, y1, x2, y2 = box.round().int().tolist()
    bright = x.mean(0)
    inside = bright[y1 + 2:y2 - 2, x1 + 2:x2 - 2].mean()
    outside = torch.cat([bright[:, : max(x1 - 3, 1)].flatten(), bright[:, x2 + 3:].flatten()]).mean()
    return inside > outside + 0.12  # 0..1 units, after colour jitter


def test_crops_move_boxes_with_the_pixels():
    g = torch.Generator().manual_seed(0)
    img = torch.full((3, 96, 128), 114, dtype=torch.uint8)
    img[:, 20:40, 30:50] = 255  # a white square
    kept = 0
    for _ in range(10):
        x, boxes = sample_crops([img], [torch.tensor([[30.0, 20.0, 50.0, 40.0]])], g, 128, 96, zoom=(0.8, 1.2))
        assert x.shape == (1, 3, 96, 128) and 0 <= x.min() and x.max() <= 1
        if len(boxes[0]):
            kept += 1
            assert _square_tracked(x[0], boxes[0][0])
    assert kept >= 5


def test_crops_of_a_large_image_keep_native_scale():
    """A 1600x1200 image gives 128x96 crops at native scale (zoom 1): a 20-px square stays 20 px."""
    g = torch.Generator().manual_seed(3)
    img = torch.full((3, 1200, 1600), 114, dtype=torch.uint8)
    squares = torch.tensor([[x, y, x + 20.0, y + 20.0] for y in range(40, 1160, 60) for x in range(40, 1560, 60)])
    for x0, y0, x1, y1 in squares.int().tolist():
        img[:, y0:y1, x0:x1] = 255
    seen = 0
    for _ in range(8):
        x, boxes = sample_crops([img], [squares], g, 128, 96, zoom=(1.0, 1.0))
        whole = boxes[0][((boxes[0][:, 2] - boxes[0][:, 0]) > 19.9) & ((boxes[0][:, 3] - boxes[0][:, 1]) > 19.9)]
        assert torch.allclose(whole[:, 2] - whole[:, 0], torch.tensor(20.0), atol=1e-3)
        for box in whole:
            assert _square_tracked(x[0], box)
        seen += len(whole)
    assert seen >= 8


def test_epoch_takes_crops_in_proportion_to_area():
    from pomona_trainer.data import LabelledSet

    images = [torch.zeros(3, 96, 128, dtype=torch.uint8), torch.zeros(3, 400, 900, dtype=torch.uint8), torch.zeros(3, 40, 40, dtype=torch.uint8)]
    data = LabelledSet(images, [torch.zeros(0, 4)] * 3, [np.zeros((0, 4))] * 3, 1.0, "apple", ["a", "b", "c"])
    assert data.epoch_samples(128, 96) == [0] + [1] * 29 + [2]  # 900*400 / (128*96) = 29.3


def test_average_precision_all_point():
    gts = [np.array([[0, 0, 10, 10], [20, 20, 30, 30]], float)]
    dets = [(np.array([[0, 0, 10, 10], [50, 50, 60, 60], [20, 20, 30, 31]], float), np.array([0.9, 0.8, 0.7]))]
    # precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1 -> AP = 0.5 * 1 + 0.5 * 2/3
    assert abs(average_precision(dets, gts) - (0.5 + 1 / 3)) < 1e-9
    # a duplicate detection of a taken box is a false positive
    dup = [(np.array([[0, 0, 10, 10], [0, 0, 10, 10]], float), np.array([0.9, 0.8]))]
    assert abs(average_precision(dup, gts) - 0.5) < 1e-9


def test_short_training_finds_the_apples(tmp_path):
    """End to end on 16 small images: AP50 on the training images must clearly beat chance."""
    from conftest import events, make_kitti_set, run_cli

    images, labels = make_kitti_set(tmp_path / "d", 16, seed=5, width=256, height=160)
    proc = run_cli("train", "--images", images, "--labels", labels, "--out", tmp_path / "r", "--epochs", 16, "--batch-size", 4,
                   "--input-size", "256x160", "--device", "cpu", "--val-images", images, "--val-labels", labels)
    assert proc.returncode == 0, proc.stderr
    ap = [e["val_ap50"] for e in events(proc.stdout) if e["event"] == "epoch"]
    assert ap[-1] > 0.5, ap


def test_two_classes_encode_and_decode_to_their_channels():
    """Boxes (n,5) put each object's peak in its class's heatmap; decoding gives the class back."""
    boxes = torch.tensor([[10.0, 12.0, 30.0, 28.0, 1.0], [60.0, 40.0, 75.0, 61.0, 0.0]])
    heat, reg, _mask = model.encode_targets([boxes], 24, 32, classes=2)
    assert heat.shape == (1, 2, 24, 32)
    assert heat[0, 1].max() == 1 and heat[0, 0].max() == 1
    logits = torch.where(heat >= 1, 20.0, -20.0)
    got, scores, cls, probs = model.decode(torch.cat([logits, reg], 1), top_k=10, classes=2)[0]
    keep = scores > 0.5
    found, found_cls, found_probs = got[keep], cls[keep], probs[keep]
    order = found[:, 0].argsort()
    assert torch.allclose(found[order], boxes[:, :4], atol=1e-4)
    assert found_cls[order].tolist() == [1, 0]
    # every class's probability at the peak's cell: its own class ~1, the other ~0
    assert torch.allclose(found_probs[order], torch.tensor([[0.0, 1.0], [1.0, 0.0]]), atol=1e-6)


def test_crops_carry_the_class_column():
    g = torch.Generator().manual_seed(0)
    img = torch.full((3, 96, 128), 114, dtype=torch.uint8)
    _, boxes = sample_crops([img], [torch.tensor([[30.0, 20.0, 50.0, 40.0, 1.0]])], g, 128, 96, zoom=(1.0, 1.0))
    assert boxes[0].shape == (1, 5) and boxes[0][0, 4] == 1
