"""Bad input: exit code 2 and exactly one stderr line that names the file (and line) or the flag."""
import shutil

import pytest
import torch
from conftest import run_cli

from pomona_trainer import cli, interrupt


@pytest.fixture(autouse=True)
def no_signal_handlers(monkeypatch):
    monkeypatch.setattr(interrupt, "install", lambda: None)


@pytest.fixture
def data(tiny, tmp_path):
    """A writable copy of two labelled images: (images dir, labels dir)."""
    images, labels = tiny
    (tmp_path / "images").mkdir()
    (tmp_path / "labels").mkdir()
    for stem in ("000000", "000001"):
        shutil.copy(images / f"{stem}.png", tmp_path / "images")
        shutil.copy(labels / f"{stem}.txt", tmp_path / "labels")
    return tmp_path / "images", tmp_path / "labels"


def fails(capsys, *args):
    code = cli.main([str(a) for a in args])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2, err
    assert len(err) == 1, err
    return err[0]


def train(capsys, images, labels, tmp_path, *extra):
    return fails(capsys, "train", "--images", images, "--labels", labels, "--out", tmp_path / "out", "--epochs", 1,
                 "--input-size", "128x96", "--device", "cpu", *extra)


LINE = "apple 0.00 0 0.00 10.00 10.00 20.00 20.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00"


def test_missing_images_dir(capsys, data, tmp_path):
    _, labels = data
    assert f"{tmp_path / 'nope'}: no such directory" in train(capsys, tmp_path / "nope", labels, tmp_path)


def test_label_without_image(capsys, data, tmp_path):
    images, labels = data
    (labels / "ghost.txt").write_text(LINE + "\n")
    assert f"{labels / 'ghost.txt'}: no image" in train(capsys, images, labels, tmp_path)


def test_unreadable_image(capsys, data, tmp_path):
    images, labels = data
    (images / "000001.png").write_bytes(b"not a png at all")
    assert f"{images / '000001.png'}: cannot read image" in train(capsys, images, labels, tmp_path)


@pytest.mark.parametrize("bad, why", [
    ("apple 0 0 0 10 10 20 20 0 0 0", "expected 15 KITTI fields, found 11"),
    (LINE.replace("10.00 10.00", "ten 10.00"), "field 5 is not a number: 'ten'"),
    (LINE.replace("20.00 20.00", "129.00 20.00"), "outside the 128x96 image"),
    (LINE.replace("10.00 10.00 20.00", "10.00 10.00 10.00"), "empty box"),
])
def test_malformed_label_line_names_file_and_line(capsys, data, tmp_path, bad, why):
    images, labels = data
    (labels / "000001.txt").write_text(LINE + "\n" + bad + "\n")
    message = train(capsys, images, labels, tmp_path)
    assert f"{labels / '000001.txt'}:2: " in message and why in message


def test_box_within_half_a_pixel_is_clipped_not_rejected(data):
    from pomona_trainer.kitti import parse_label_file

    _, labels = data
    (labels / "000001.txt").write_text(LINE.replace("10.00 10.00 20.00 20.00", "-0.40 10.00 128.40 96.50") + "\nDontCare -1 -1 -10 0 0 5 5 -1 -1 -1 -1000 -1000 -1000 -10\n")
    boxes, classes = parse_label_file(str(labels / "000001.txt"), 128, 96)
    assert boxes.tolist() == [[0.0, 10.0, 128.0, 96.0]] and classes == ["apple"]


def test_no_labelled_images(capsys, data, tmp_path):
    images, _ = data
    (tmp_path / "empty").mkdir()
    assert "no label files" in train(capsys, images, tmp_path / "empty", tmp_path)


def test_labels_without_any_box(capsys, data, tmp_path):
    images, labels = data
    for p in labels.iterdir():
        p.write_text("")
    assert "hold no boxes" in train(capsys, images, labels, tmp_path)


@pytest.mark.parametrize("device, why", [("gpu0", "unknown device"), ("cuda", "CUDA is not available")])
def test_bad_device(capsys, data, tmp_path, device, why):
    if device == "cuda" and torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    images, labels = data
    assert why in fails(capsys, "train", "--images", images, "--labels", labels, "--out", tmp_path / "o", "--device", device)


def test_bad_input_size(capsys, data, tmp_path):
    images, labels = data
    assert "--input-size 100x90" in fails(capsys, "train", "--images", images, "--labels", labels, "--out", tmp_path / "o", "--input-size", "100x90")


def _foreign_checkpoints(tmp_path, trained):
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"\x00\x01 definitely not a checkpoint")
    plain = tmp_path / "plain.pt"
    torch.save({"state_dict": {}}, plain)
    other = tmp_path / "other.pt"
    ckpt = torch.load(trained[0] / "weights" / "epoch_002.pt", weights_only=True)
    ckpt["arch"] = "yolov4_resnet18"
    torch.save(ckpt, other)
    return [(garbage, "not a pomona checkpoint"), (plain, "not a pomona checkpoint"), (other, "architecture yolov4_resnet18"),
            (tmp_path / "missing.pt", "no such checkpoint file")]


def test_foreign_checkpoints_for_resume_init_and_infer(capsys, data, tmp_path, trained):
    images, labels = data
    for path, why in _foreign_checkpoints(tmp_path, trained):
        for flag in ("--resume", "--init"):
            message = train(capsys, images, labels, tmp_path, flag, path)
            assert str(path) in message and why in message
        message = fails(capsys, "infer", "--model", path, "--images", images, "--out", tmp_path / "pred", "--device", "cpu")
        assert str(path) in message and why in message


def test_infer_unreadable_image(capsys, data, tmp_path, trained):
    images, _ = data
    (images / "broken.jpg").write_bytes(b"\xff\xd8 truncated")
    message = fails(capsys, "infer", "--model", trained[0] / "weights" / "epoch_002.pt", "--images", images, "--out", tmp_path / "p", "--device", "cpu")
    assert f"{images / 'broken.jpg'}: cannot read image" in message


def test_embed_without_images(capsys, tmp_path):
    (tmp_path / "none").mkdir()
    assert "no images" in fails(capsys, "embed", "--images", tmp_path / "none", "--out", tmp_path / "e.csv", "--device", "cpu")


def test_exit_code_of_the_real_process(data, tmp_path):
    images, labels = data
    (labels / "000000.txt").write_text("apple 1 2 3\n")
    proc = run_cli("train", "--images", images, "--labels", labels, "--out", tmp_path / "o", "--device", "cpu")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [f"error: {labels / '000000.txt'}:1: expected 15 KITTI fields, found 4"]
