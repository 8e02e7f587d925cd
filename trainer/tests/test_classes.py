"""Several classes: one heatmap per class of --classes (or of the labels), recorded in the checkpoint,
predicted by name; another class list on --init is refused; the two-colour synthetic pool, and a
detector that tells its colours apart."""
import json
import os
import shutil
from pathlib import Path

from conftest import events, run_cli

from pomona_trainer import checkpoint, masks


def _two_class_labels(labels, out):
    """The tiny set's labels with every second box of each file renamed to class `leaf`."""
    os.makedirs(out, exist_ok=True)
    for name in sorted(os.listdir(labels)):
        lines = Path(labels, name).read_text().splitlines()
        renamed = [("leaf" + line[len("apple"):]) if i % 2 else line for i, line in enumerate(lines)]
        Path(out, name).write_text("".join(line + "\n" for line in renamed))
    return out


def test_two_classes_train_and_infer_by_name(tiny, tmp_path):
    images, labels = tiny
    two = _two_class_labels(labels, str(tmp_path / "labels"))
    common = ["--images", images, "--labels", two, "--batch-size", 4, "--input-size", "128x96", "--device", "cpu", "--backbone", "scratch"]
    proc = run_cli("train", *common, "--out", tmp_path / "run", "--epochs", 2, "--classes", "apple,leaf")
    assert proc.returncode == 0, proc.stderr
    ckpt_path = events(proc.stdout)[-1]["checkpoint"]
    ckpt = checkpoint.load(ckpt_path, "--model")
    assert ckpt["config"]["classes"] == ["apple", "leaf"] and ckpt["config"]["model"]["num_classes"] == 2
    assert ckpt["model"]["head.1.weight"].shape[0] == 2 + 4

    pred = tmp_path / "pred"
    proc = run_cli("infer", "--model", ckpt_path, "--images", images, "--out", pred, "--threshold", 0.0, "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    texts = sorted(f for f in os.listdir(pred) if f.endswith(".txt"))
    names = {line.split()[0] for f in texts for line in (pred / f).read_text().splitlines()}
    assert names == {"apple", "leaf"}
    # beside each KITTI file, every box's two class probabilities at its cell, one line per box, summing to 1
    # (the decode test checks which class they favour; this 2-epoch model is near 0.5 everywhere)
    for f in texts:
        lines = (pred / f).read_text().splitlines()
        probs = [[float(v) for v in row.split()] for row in (pred / (f[:-4] + ".probs")).read_text().splitlines()]
        assert len(probs) == len(lines) > 0
        assert all(len(p) == 2 and abs(sum(p) - 1) < 1e-3 and min(p) >= 0 for p in probs)

    # Fine-tuning keeps the checkpoint's classes; another list is refused, as is a label of an unknown class.
    refused = run_cli("train", *common, "--out", tmp_path / "again", "--epochs", 1, "--init", ckpt_path, "--classes", "leaf,apple")
    assert refused.returncode == 2 and "a checkpoint of classes apple,leaf, not --classes leaf,apple" in refused.stderr
    odd = tmp_path / "odd"
    shutil.copytree(two, odd)
    first = min(os.listdir(odd))
    with open(odd / first, "a") as f:
        f.write("pear 0 0 0 1 1 9 9 0 0 0 0 0 0 0\n")
    refused = run_cli("train", "--images", images, "--labels", odd, "--out", tmp_path / "odd-run", "--epochs", 1, "--init", ckpt_path, "--device", "cpu")
    assert refused.returncode == 2 and f"{first}: class 'pear' is not one of --classes apple,leaf" in refused.stderr


def test_without_classes_the_labels_give_them_most_frequent_first(trained):
    out, _ = trained
    ckpt = checkpoint.load(str(out / "weights" / "epoch_002.pt"), "--model")
    assert ckpt["config"]["classes"] == ["apple"] and ckpt["config"]["class_name"] == "apple"


def test_colour_classes_pool_is_the_one_class_pool_with_two_colours(tmp_path):
    """`synth --colour-classes` writes KITTI labels of classes red and green in place of masks; the apples'
    boxes are those of the one-class pool (its colour draws leave every other draw alone)."""
    one = tmp_path / "one"
    two = tmp_path / "two"
    for out, extra in ((one, []), (two, ["--colour-classes"])):
        proc = run_cli("synth", "--out", out, "--count", 4, "--seed", 5, "--width", 320, "--height", 180, *extra)
        assert proc.returncode == 0, proc.stderr
    assert sorted(os.listdir(two)) == ["images", "labels", "scenes.json"]
    masks.masks_to_kitti(str(one / "masks"), str(one / "labels"))
    scenes = json.loads((two / "scenes.json").read_text())
    seen = set()
    for name in sorted(os.listdir(two / "labels")):
        rows = [line.split() for line in (two / "labels" / name).read_text().splitlines()]
        assert [r[4:8] for r in rows] == [line.split()[4:8] for line in (one / "labels" / name).read_text().splitlines()]
        counts = {c: sum(r[0] == c for r in rows) for c in ("red", "green")}
        assert scenes[name[:-4]]["classes"] == counts and sum(counts.values()) == len(rows)
        seen |= {r[0] for r in rows}
    assert seen == {"red", "green"}
    refused = run_cli("synth", "--out", tmp_path / "seq", "--sequences", 1, "--seed", 1, "--colour-classes")
    assert refused.returncode == 2 and "--colour-classes: only with --count" in refused.stderr


def test_two_colour_classes_are_told_apart(tmp_path):
    """A short run on red and green apples names each found apple by its colour: the class comes from
    the network, not from chance (AP per class, and the class of the best box at each apple)."""
    for out, count, seed in ((tmp_path / "train", 16, 3), (tmp_path / "val", 6, 4)):
        proc = run_cli("synth", "--out", out, "--count", count, "--seed", seed, "--width", 320, "--height", 180, "--colour-classes")
        assert proc.returncode == 0, proc.stderr
    proc = run_cli("train", "--images", tmp_path / "train" / "images", "--labels", tmp_path / "train" / "labels", "--out", tmp_path / "run",
                   "--epochs", 1, "--min-steps", 60, "--batch-size", 8, "--input-size", "256x160", "--backbone", "scratch",
                   "--device", "cpu", "--classes", "red,green")
    assert proc.returncode == 0, proc.stderr
    pred = tmp_path / "pred"
    proc = run_cli("infer", "--model", events(proc.stdout)[-1]["checkpoint"], "--images", tmp_path / "val" / "images", "--out", pred,
                   "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    proc = run_cli("evaluate", "--labels", tmp_path / "val" / "labels", "--pred", pred)
    ap = json.loads(proc.stdout)["ap50_per_class"]
    assert set(ap) == {"red", "green"} and min(ap.values()) > 0.5, ap
    agree = total = 0
    for name in os.listdir(tmp_path / "val" / "labels"):
        truth = [(r[0], [float(v) for v in r[4:8]]) for r in (line.split() for line in (tmp_path / "val" / "labels" / name).read_text().splitlines())]
        found = [(r[0], [float(v) for v in r[4:8]]) for r in (line.split() for line in (pred / name).read_text().splitlines()) if float(r[15]) >= 0.3]
        for cls, box in truth:
            overlapping = [c for c, b in found if _iou(box, b) >= 0.5]
            if overlapping:  # predictions are best first
                total += 1
                agree += overlapping[0] == cls
    assert total > 50 and agree / total >= 0.9, (agree, total)


def _iou(a, b):
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(w, 0) * max(h, 0)
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)
