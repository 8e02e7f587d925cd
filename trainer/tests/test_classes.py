"""Several classes: one heatmap per class of --classes (or of the labels), recorded in the checkpoint,
predicted by name; another class list on --init is refused."""
import os
import shutil
from pathlib import Path

from conftest import events, run_cli

from pomona_trainer import checkpoint


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
