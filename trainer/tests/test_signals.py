"""SIGTERM/SIGINT during training: prompt exit (143/130) and only complete checkpoints on disk.

These train the small scratch network: the point is the signal path, and its steps and checkpoints are
short, so "promptly" is measured on that and not on a loaded machine's checkpoint writes."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch
from conftest import REPO

from pomona_trainer.fsutil import atomic_path


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_stops_training_promptly(tiny, tmp_path, signum, code):
    images, labels = tiny
    proc = subprocess.Popen([sys.executable, "-m", "pomona_trainer", "train", "--images", str(images), "--labels", str(labels),
                             "--out", str(tmp_path), "--epochs", "500", "--checkpoint-interval", "1", "--batch-size", "2",
                             "--input-size", "128x96", "--device", "cpu", "--backbone", "scratch"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        epochs_seen = 0
        while epochs_seen < 1:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            epochs_seen += json.loads(line)["event"] == "epoch"
        sent = time.monotonic()
        proc.send_signal(signum)
        rc = proc.wait(timeout=10)
        assert time.monotonic() - sent < 3.0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert rc == code
    names = os.listdir(tmp_path / "weights")
    assert names and all(n.startswith("epoch_") and n.endswith(".pt") for n in names), names
    for n in names:
        assert torch.load(tmp_path / "weights" / n, weights_only=True)["format"] == "pomona-trainer-checkpoint"


def test_closed_stdin_stops_training_when_asked(tiny, tmp_path):
    """With POMONA_STOP_ON_STDIN_EOF=1 (set by pomona's worker), the trainer stops when its parent's end of
    the stdin pipe closes, as when the worker is killed; without it, a closed stdin changes nothing."""
    images, labels = tiny

    def train(out, epochs):
        return [sys.executable, "-m", "pomona_trainer", "train", "--images", str(images), "--labels", str(labels),
                "--out", str(out), "--epochs", str(epochs), "--checkpoint-interval", "1", "--batch-size", "2",
                "--input-size", "128x96", "--device", "cpu", "--backbone", "scratch"]

    args = train(tmp_path, 500)
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=REPO, env={**os.environ, "POMONA_STOP_ON_STDIN_EOF": "1"})
    try:
        while json.loads(proc.stdout.readline() or '{"event": "eof"}')["event"] not in ("epoch", "eof"):
            pass
        closed = time.monotonic()
        proc.stdin.close()
        rc = proc.wait(timeout=10)
        assert time.monotonic() - closed < 3.0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert rc == 143

    plain = subprocess.Popen(train(tmp_path / "plain", 2), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
    assert plain.wait(timeout=120) == 0
    # Watching an open stdin must not keep the trainer from finishing (or crash it at exit).
    watched = subprocess.Popen(train(tmp_path / "watched", 2), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               cwd=REPO, env={**os.environ, "POMONA_STOP_ON_STDIN_EOF": "1"})
    try:
        assert watched.wait(timeout=120) == 0, watched.stderr.read()
    finally:
        watched.stdin.close()


def test_atomic_path_leaves_old_file_on_failure(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(str(target)) as tmp:
        with open(tmp, "w") as f:
            f.write("half")
        raise RuntimeError("killed")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["a.txt"]
