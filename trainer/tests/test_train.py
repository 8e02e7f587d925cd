import csv
import itertools
import os

import pytest
import torch
from conftest import events, run_cli

from pomona_trainer import checkpoint, model


def test_train_writes_checkpoints_progress_and_log(trained):
    out, proc = trained
    evs = events(proc.stdout)
    epochs = [e for e in evs if e["event"] == "epoch"]
    assert [e["epoch"] for e in epochs] == [1, 2]
    for e in epochs:
        assert e["epochs"] == 2 and e["loss"] > 0 and e["seconds"] >= 0
        assert e["checkpoint"] == os.path.join(str(out), "weights", f"epoch_{e['epoch']:03d}.pt")
    done = evs[-1]
    assert done["event"] == "done" and done["epochs"] == 2 and done["checkpoint"].endswith("epoch_002.pt")
    assert sorted(os.listdir(out / "weights")) == ["epoch_001.pt", "epoch_002.pt"]
    rows = list(csv.DictReader((out / "train_log.csv").read_text().splitlines()))
    assert [int(r["epoch"]) for r in rows] == [1, 2]
    assert abs(float(rows[1]["loss"]) - epochs[1]["loss"]) < 1e-6


def test_checkpoint_contents(trained):
    out, _ = trained
    ckpt = checkpoint.load(str(out / "weights" / "epoch_002.pt"), "--model")
    assert ckpt["arch"] == model.ARCH and ckpt["epoch"] == 2 and ckpt["epochs"] == 2
    assert set(ckpt["rng"]) == {"python", "numpy", "torch", "data"}
    assert ckpt["config"]["input_size"] == [128, 96] and ckpt["config"]["batch_size"] == 4
    assert ckpt["config"]["class_name"] == "apple"
    assert ckpt["scheduler"]["step"] == 4  # 8 images / batch 4 * 2 epochs
    assert ckpt["optimizer"]["state"], "optimizer moments are saved"
    net = model.build(ckpt["config"]["model"])
    net.load_state_dict(ckpt["model"])


def test_checkpoint_interval_keeps_only_multiples_and_last(tiny, tmp_path):
    images, labels = tiny
    proc = run_cli("train", "--images", images, "--labels", labels, "--out", tmp_path, "--epochs", 3, "--checkpoint-interval", 2,
                   "--batch-size", 8, "--input-size", "128x96", "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    saved = [e["checkpoint"] for e in events(proc.stdout) if e["event"] == "epoch"]
    assert saved[0] is None and saved[1].endswith("epoch_002.pt") and saved[2].endswith("epoch_003.pt")


def test_resume_is_bit_identical_to_an_uninterrupted_run(tiny, tmp_path):
    images, labels = tiny
    common = ["--images", images, "--labels", labels, "--batch-size", 4, "--input-size", "128x96", "--device", "cpu", "--seed", 7]
    full = run_cli("train", *common, "--out", tmp_path / "full", "--epochs", 4, "--checkpoint-interval", 2)
    assert full.returncode == 0, full.stderr
    middle = tmp_path / "full" / "weights" / "epoch_002.pt"
    resumed = run_cli("train", *common, "--out", tmp_path / "resumed", "--epochs", 4, "--resume", middle)
    assert resumed.returncode == 0, resumed.stderr
    assert [e["epoch"] for e in events(resumed.stdout) if e["event"] == "epoch"] == [3, 4]
    a = torch.load(tmp_path / "full" / "weights" / "epoch_004.pt", weights_only=True)
    b = torch.load(tmp_path / "resumed" / "weights" / "epoch_004.pt", weights_only=True)
    assert a["model"].keys() == b["model"].keys()
    for k in a["model"]:
        assert torch.equal(a["model"][k], b["model"][k]), k
    assert torch.equal(a["rng"]["data"], b["rng"]["data"])
    assert [r["loss"] for r in a["history"]] == [r["loss"] for r in b["history"]]


def test_init_starts_a_new_run_from_earlier_weights(trained, tiny, tmp_path):
    out, _ = trained
    images, labels = tiny
    proc = run_cli("train", "--images", images, "--labels", labels, "--out", tmp_path, "--epochs", 1, "--init", out / "weights" / "epoch_002.pt",
                   "--batch-size", 4, "--input-size", "128x96", "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    evs = events(proc.stdout)
    assert [e["epoch"] for e in evs if e["event"] == "epoch"] == [1]
    ckpt = torch.load(tmp_path / "weights" / "epoch_001.pt", weights_only=True)
    assert ckpt["epoch"] == 1 and ckpt["scheduler"]["step"] == 2


def test_learning_rate_schedule_warms_up_then_decays():
    from pomona_trainer.train import learning_rate

    lrs = [learning_rate(s, 1000, 1.0) for s in range(1000)]
    assert lrs[0] == pytest.approx(0.1) and max(lrs) == pytest.approx(1.0, abs=1e-3)
    assert lrs[-1] < 0.03 and all(a >= b for a, b in itertools.pairwise(lrs[60:]))


def test_min_steps_lengthens_a_small_run_and_resume_keeps_its_length(tiny, tmp_path):
    images, labels = tiny  # 8 images, batch 4: 2 steps per epoch
    common = ["--images", images, "--labels", labels, "--batch-size", "4", "--input-size", "128x96", "--device", "cpu",
              "--checkpoint-interval", "1"]
    r = run_cli("train", *common, "--out", tmp_path / "a", "--epochs", "1", "--min-steps", "5")
    assert r.returncode == 0, r.stderr
    assert [e["epoch"] for e in events(r.stdout) if e["event"] == "epoch"] == [1, 2, 3]
    r = run_cli("train", *common, "--out", tmp_path / "a", "--resume", tmp_path / "a" / "weights" / "epoch_003.pt")
    done = next(e for e in events(r.stdout) if e["event"] == "done")
    assert r.returncode == 0 and done["epochs"] == 3 and not [e for e in events(r.stdout) if e["event"] == "epoch"]
    assert run_cli("train", *common, "--out", tmp_path / "b", "--min-steps", "-1").returncode == 2


def test_checkpoints_record_their_backbone_and_refuse_another(tiny, trained, tmp_path):
    """The default run is the pretrained backbone; starting the scratch network from it is refused, and back."""
    images, labels = tiny
    out, _ = trained
    pretrained_ckpt = out / "weights" / "epoch_002.pt"
    assert checkpoint.load(str(pretrained_ckpt), "--model")["config"]["model"]["backbone"] == "efficientnet-lite0"
    common = ["--images", images, "--labels", labels, "--batch-size", 4, "--input-size", "128x96", "--device", "cpu"]
    proc = run_cli("train", *common, "--out", tmp_path / "s", "--epochs", 1, "--backbone", "scratch")
    assert proc.returncode == 0, proc.stderr
    scratch_ckpt = tmp_path / "s" / "weights" / "epoch_001.pt"
    assert checkpoint.load(str(scratch_ckpt), "--model")["config"]["model"]["backbone"] == "scratch"
    for flag, ckpt, other in (("--init", pretrained_ckpt, "scratch"), ("--resume", scratch_ckpt, "efficientnet-lite0")):
        proc = run_cli("train", *common, "--out", tmp_path / "x", "--epochs", 2, flag, ckpt, "--backbone", other)
        assert proc.returncode == 2
        saved = "efficientnet-lite0" if other == "scratch" else "scratch"
        assert proc.stderr.strip().splitlines() == [f"error: {flag} {ckpt}: a checkpoint of backbone {saved}, not --backbone {other}"]
    proc = run_cli("train", *common, "--out", tmp_path / "y", "--epochs", 1, "--backbone", "resnet")
    assert proc.returncode == 2 and "--backbone resnet: expected one of efficientnet-lite0, scratch" in proc.stderr


def test_pretrained_weights_load_with_the_network_switched_off(monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise OSError("network is switched off in this test")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    from pomona_trainer import backbone

    weights = torch.load(backbone.pretrained_weights_path(), map_location="cpu", weights_only=True)
    net = model.build(model.default_config("efficientnet-lite0"))
    assert torch.equal(net.features.stem[0].weight, weights["_conv_stem.weight"])
    assert torch.equal(net.features.blocks[15]._project_conv.weight, weights["_blocks.15._project_conv.weight"])
    assert not net.features.stem[0].weight.requires_grad and net.features.blocks[5]._project_conv.weight.requires_grad
