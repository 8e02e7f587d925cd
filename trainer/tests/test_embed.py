import csv

import numpy as np

from conftest import events, run_cli


def _read(path):
    rows = list(csv.reader(open(path)))
    return rows[0], rows[1:]


def test_embed_writes_lightly_csv_with_unit_rows(tiny, tmp_path):
    images, _ = tiny
    out = tmp_path / "emb.csv"
    proc = run_cli("embed", "--images", images, "--out", out, "--epochs", 2, "--dim", 8, "--device", "cpu", "--seed", 3)
    assert proc.returncode == 0, proc.stderr
    assert events(proc.stdout)[-1]["event"] == "done"
    header, rows = _read(out)
    assert header == ["filenames"] + [f"embedding_{i}" for i in range(8)] + ["labels"]
    assert [r[0] for r in rows] == sorted(p.name for p in images.iterdir())
    vecs = np.array([[float(v) for v in r[1:-1]] for r in rows])
    assert vecs.shape == (8, 8)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert all(r[-1] == "0" for r in rows)
    assert np.ptp(vecs, axis=0).max() > 1e-3, "images must not all map to the same point"
    # same seed, same numbers
    again = tmp_path / "again.csv"
    assert run_cli("embed", "--images", images, "--out", again, "--epochs", 2, "--dim", 8, "--device", "cpu", "--seed", 3).returncode == 0
    assert again.read_bytes() == out.read_bytes()


def test_embed_default_dim_is_32(tiny, tmp_path):
    images, _ = tiny
    proc = run_cli("embed", "--images", images, "--out", tmp_path / "e.csv", "--epochs", 0, "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    header, rows = _read(tmp_path / "e.csv")
    assert len(header) == 34 and len(rows) == 8
