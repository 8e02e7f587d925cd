"""The detector learns (a short run finds the apples it trained on) and its pieces agree with each other."""
import numpy as np
import torch

from pomona_trainer import model
from pomona_trainer.data import augment
from pomona_trainer.metrics import average_precision


def test_encode_then_decode_recovers_boxes():
    boxes = torch.tensor([[10.0, 12.0, 30.0, 28.0], [60.0, 40.0, 75.0, 61.0]])
    heat, reg, mask = model.encode_targets([boxes], 24, 32)
    # a perfect network output: logits +-20 from the heatmap peaks, regression targets everywhere
    logits = torch.where(heat >= 1, 20.0, -20.0)
    out = torch.cat([logits, reg], 1)
    got, scores = model.decode(out, top_k=10)[0]
    found = got[scores > 0.5]
    assert len(found) == 2
    assert torch.allclose(found[found[:, 0].argsort()], boxes, atol=1e-4)


def test_augment_moves_boxes_with_the_pixels():
    g = torch.Generator().manual_seed(0)
    img = torch.full((1, 3, 96, 128), 114, dtype=torch.uint8)
    img[0, :, 20:40, 30:50] = 255  # a white square
    for _ in range(10):
        x, boxes = augment(img, [torch.tensor([[30.0, 20.0, 50.0, 40.0]])], g, zoom=(0.8, 1.2))
        if len(boxes[0]) == 0:
            continue
        x1, y1, x2, y2 = boxes[0][0].round().int().tolist()
        bright = x[0].mean(0)
        inside = bright[y1 + 2:y2 - 2, x1 + 2:x2 - 2].mean()
        outside = torch.cat([bright[:, : max(x1 - 3, 1)].flatten(), bright[:, x2 + 3:].flatten()]).mean()
        assert inside > outside + 0.5


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
    from conftest import make_kitti_set, run_cli, events

    images, labels = make_kitti_set(tmp_path / "d", 16, seed=5, width=256, height=160)
    proc = run_cli("train", "--images", images, "--labels", labels, "--out", tmp_path / "r", "--epochs", 16, "--batch-size", 4,
                   "--input-size", "256x160", "--device", "cpu", "--val-images", images, "--val-labels", labels)
    assert proc.returncode == 0, proc.stderr
    ap = [e["val_ap50"] for e in events(proc.stdout) if e["event"] == "epoch"]
    assert ap[-1] > 0.5, ap
