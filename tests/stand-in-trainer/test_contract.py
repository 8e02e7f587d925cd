"""The stand-in follows the trainer's contract: the same commands on the same data give the same events
(names and fields), files (names, layouts), exit codes and error lines from both, and it stops as the
trainer does. Run by `npm run test:trainer` beside trainer/tests."""
import json
import os
import subprocess
import sys

import pytest

from pomona_trainer import masks, synth

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TRAINERS = {"real": ["-m", "pomona_trainer"], "stand-in": ["-m", "stand_in_trainer"]}


def run(trainer: str, *args, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": HERE, "POMONA_STAND_IN_EPOCH_SECONDS": "0", **kwargs.pop("env", {})}
    return subprocess.run([sys.executable, *TRAINERS[trainer], *map(str, args)], capture_output=True, text=True, cwd=REPO,
                          env=env, timeout=300, check=False, **kwargs)


def shapes(stdout: str) -> list[tuple[str, list[str]]]:
    """(event, sorted field names) of each JSON line, `step` lines left out (the real trainer throttles them)."""
    lines = [json.loads(line) for line in stdout.splitlines()]
    return [(e["event"], sorted(e)) for e in lines if e["event"] != "step"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    synth.generate(str(root), 4, 3, 128, 96, "orchard")
    masks.masks_to_kitti(str(root / "masks"), str(root / "labels"))
    return root / "images", root / "labels"


@pytest.fixture(scope="module")
def trained(data, tmp_path_factory):
    """Per trainer: its output folder after 2 epochs (checkpoint every epoch) and the completed process."""
    images, labels = data
    runs = {}
    for trainer in TRAINERS:
        out = tmp_path_factory.mktemp(trainer)
        proc = run(trainer, "train", "--images", images, "--labels", labels, "--out", out, "--epochs", 2, "--checkpoint-interval", 1,
                   "--batch-size", 2, "--input-size", "64x64", "--backbone", "scratch", "--device", "cpu")
        assert proc.returncode == 0, proc.stderr
        runs[trainer] = (out, proc)
    return runs


def test_train_writes_the_same_events_checkpoints_and_log(trained):
    (real, real_proc), (stand_in, stand_in_proc) = trained["real"], trained["stand-in"]
    assert shapes(stand_in_proc.stdout) == shapes(real_proc.stdout)
    assert sorted(os.listdir(stand_in / "weights")) == sorted(os.listdir(real / "weights")) == ["epoch_001.pt", "epoch_002.pt"]
    for out in (real, stand_in):
        rows = (out / "train_log.csv").read_text().splitlines()
        assert rows[0] == "epoch,loss,seconds" and [r.split(",")[0] for r in rows[1:]] == ["1", "2"]


def test_resume_continues_after_the_checkpoint(data, trained, tmp_path):
    images, labels = data
    for trainer, (out, _) in trained.items():
        proc = run(trainer, "train", "--images", images, "--labels", labels, "--out", tmp_path / trainer, "--resume", out / "weights" / "epoch_001.pt")
        assert proc.returncode == 0, proc.stderr
        epochs = [json.loads(line)["epoch"] for line in proc.stdout.splitlines() if json.loads(line)["event"] == "epoch"]
        assert epochs == [2], trainer


def test_infer_writes_one_kitti_prediction_file_per_image(data, trained, tmp_path):
    images, _ = data
    outputs = {}
    for trainer, (out, _) in trained.items():
        pred = tmp_path / trainer
        proc = run(trainer, "infer", "--model", out / "weights" / "epoch_002.pt", "--images", images, "--out", pred, "--threshold", 0.0, "--device", "cpu")
        assert proc.returncode == 0, proc.stderr
        outputs[trainer] = (sorted(os.listdir(pred)), shapes(proc.stdout)[-1])
        for name in os.listdir(pred):
            for line in (pred / name).read_text().splitlines():
                fields = line.split()
                assert len(fields) == 16 and fields[0] == "apple" and 0 <= float(fields[15]) <= 1, (trainer, line)
    assert outputs["stand-in"] == outputs["real"]


def test_embed_writes_lightly_csv_with_unit_rows(data, tmp_path):
    images, _ = data
    headers = {}
    for trainer in TRAINERS:
        csv = tmp_path / f"{trainer}.csv"
        proc = run(trainer, "embed", "--images", images, "--out", csv, "--dim", 4, "--device", "cpu")
        assert proc.returncode == 0, proc.stderr
        lines = csv.read_text().splitlines()
        headers[trainer] = (lines[0], len(lines), shapes(proc.stdout)[-1])
        for row in lines[1:]:
            values = [float(v) for v in row.split(",")[1:-1]]
            assert sum(v * v for v in values) == pytest.approx(1.0, abs=1e-4)
    assert headers["stand-in"] == headers["real"]


def test_embed_in_shards_writes_blocks_files_and_the_same_csv_layout(data, tmp_path):
    images, _ = data
    results = {}
    for trainer in TRAINERS:
        shard, blocks = tmp_path / f"{trainer}-shard", tmp_path / f"{trainer}-blocks"
        shard.mkdir()
        for image in sorted(images.iterdir())[:3]:
            (shard / image.name).symlink_to(image)
        done = run(trainer, "embed", "--images", shard, "--blocks-out", blocks / "0000.npz", "--dim", 4, "--device", "cpu")
        assert done.returncode == 0, done.stderr
        merged = run(trainer, "embed", "--from-blocks", blocks, "--out", tmp_path / f"{trainer}.csv", "--dim", 4)
        assert merged.returncode == 0, merged.stderr
        lines = (tmp_path / f"{trainer}.csv").read_text().splitlines()
        results[trainer] = (os.listdir(blocks), shapes(done.stdout)[-1], shapes(merged.stdout)[-1], lines[0], [r.split(",")[0] for r in lines[1:]])
    assert results["stand-in"] == results["real"]


@pytest.mark.parametrize("args", [
    ["train", "--images", "{images}", "--labels", "/nonexistent", "--out", "{tmp}/o"],
    ["train", "--images", "{images}", "--labels", "{labels}", "--out", "{tmp}/o", "--resume", "/nonexistent.pt"],
    ["infer", "--model", "/nonexistent.pt", "--images", "{images}", "--out", "{tmp}/p"],
    ["train", "--images", "{images}"],
])
def test_bad_input_is_the_same_one_line_and_exit_2(data, tmp_path, args):
    images, labels = data
    filled = [a.format(images=images, labels=labels, tmp=tmp_path) for a in args]
    answers = {trainer: run(trainer, *filled) for trainer in TRAINERS}
    assert [(p.returncode, p.stderr.strip().splitlines()) for p in answers.values()] == [(2, answers["real"].stderr.strip().splitlines())] * 2
    assert len(answers["real"].stderr.strip().splitlines()) == 1


def test_closed_stdin_stops_training_when_asked(data, tmp_path):
    images, labels = data
    proc = subprocess.Popen([sys.executable, "-m", "stand_in_trainer", "train", "--images", str(images), "--labels", str(labels), "--out", str(tmp_path), "--epochs", "1000"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                            env={**os.environ, "PYTHONPATH": HERE, "POMONA_STAND_IN_EPOCH_SECONDS": "0.1", "POMONA_STOP_ON_STDIN_EOF": "1"})
    try:
        assert proc.stdout and proc.stdin
        assert json.loads(proc.stdout.readline())["event"] == "epoch"
        proc.stdin.close()
        assert proc.wait(timeout=10) == 143
    finally:
        if proc.poll() is None:
            proc.kill()
