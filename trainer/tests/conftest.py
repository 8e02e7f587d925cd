"""Shared fixtures: a tiny synthetic orchard with KITTI labels, and a model trained on it for 2 epochs."""
import json
import os
import subprocess
import sys

import pytest

from pomona_trainer import masks, synth

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_cli(*args, timeout=300, **kwargs):
    """Runs `python -m pomona_trainer ...` in a subprocess; returns CompletedProcess (text)."""
    return subprocess.run([sys.executable, "-m", "pomona_trainer", *map(str, args)], capture_output=True, text=True, timeout=timeout, cwd=REPO, check=False, **kwargs)


def events(stdout: str) -> list[dict]:
    """Every stdout line must be a JSON object with an `event`."""
    out = []
    for line in stdout.splitlines():
        value = json.loads(line)
        assert isinstance(value, dict) and isinstance(value["event"], str), line
        out.append(value)
    return out


def make_kitti_set(root, count, seed, width=128, height=96, style="orchard"):
    synth.generate(str(root), count, seed, width, height, style)
    masks.masks_to_kitti(str(root / "masks"), str(root / "labels"))
    return root / "images", root / "labels"


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    images, labels = make_kitti_set(root, 8, seed=0)
    return images, labels


@pytest.fixture(scope="session")
def trained(tmp_path_factory, tiny):
    """(output dir, completed process) of a 2-epoch run with a checkpoint every epoch."""
    images, labels = tiny
    out = tmp_path_factory.mktemp("run")
    proc = run_cli("train", "--images", images, "--labels", labels, "--out", out, "--epochs", 2, "--checkpoint-interval", 1,
                   "--batch-size", 4, "--input-size", "128x96", "--device", "cpu", "--seed", 1)
    assert proc.returncode == 0, proc.stderr
    return out, proc
