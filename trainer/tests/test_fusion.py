import numpy as np
from conftest import run_cli

from pomona_trainer.fusion import fuse


def test_overlapping_boxes_of_the_passes_become_their_score_weighted_mean():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60], [0, 0, 10, 10]], np.float64)
    scores = np.array([0.8, 0.4, 0.9, 0.3])
    classes = np.array([0, 0, 0, 1])
    fused, fused_scores, fused_classes, leaders = fuse(boxes, scores, classes, passes=2)
    # the lone box (one pass of two) is halved; the pair keeps its mean; the other class is not merged in
    assert np.allclose(fused_scores, [0.6, 0.45, 0.15])
    assert np.allclose(fused[0], [1 / 3, 1 / 3, 31 / 3, 31 / 3]) and fused[1].tolist() == [50, 50, 60, 60]
    assert fused_classes.tolist() == [0, 0, 1] and leaders.tolist() == [0, 2, 3]


def test_boxes_below_the_fusion_iou_stay_apart():
    boxes = np.array([[0, 0, 10, 10], [5, 0, 15, 10]], np.float64)  # IoU 1/3
    fused, scores, _, _ = fuse(boxes, np.array([0.5, 0.5]), np.zeros(2, np.int64), passes=2, iou=0.6)
    assert len(fused) == 2 and scores.tolist() == [0.25, 0.25]


def test_infer_scales_one_is_plain_inference_and_bad_scales_are_refused(trained, tiny, tmp_path):
    out, _ = trained
    images, _ = tiny
    model = out / "weights" / "epoch_002.pt"
    for name, extra in (("plain", []), ("one", ["--scales", "1"]), ("three", ["--scales", "0.5,1,2"])):
        proc = run_cli("infer", "--model", model, "--images", images, "--out", tmp_path / name, "--device", "cpu", *extra)
        assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in (tmp_path / "plain").iterdir())
    assert [(tmp_path / "one" / n).read_text() for n in names] == [(tmp_path / "plain" / n).read_text() for n in names]
    assert sorted(p.name for p in (tmp_path / "three").iterdir()) == names
    assert [(tmp_path / "three" / n).read_text() for n in names] != [(tmp_path / "plain" / n).read_text() for n in names]
    for bad in ("0,1", "1,1", "a"):
        proc = run_cli("infer", "--model", model, "--images", images, "--out", tmp_path / "bad", "--scales", bad)
        assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and f"--scales {bad}" in proc.stderr
