import csv

import numpy as np
from conftest import events, run_cli
from PIL import Image


def _read(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def test_scene_embed_writes_lightly_csv_with_unit_rows(tiny, tmp_path):
    images, _ = tiny
    out = tmp_path / "emb.csv"
    proc = run_cli("embed", "--images", images, "--out", out, "--features", "scene", "--epochs", 2, "--dim", 8, "--device", "cpu", "--seed", 3)
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
    assert run_cli("embed", "--images", images, "--out", again, "--features", "scene", "--epochs", 2, "--dim", 8, "--device", "cpu", "--seed", 3).returncode == 0
    assert again.read_bytes() == out.read_bytes()


def test_embed_default_dim_is_32(tiny, tmp_path):
    images, _ = tiny
    proc = run_cli("embed", "--images", images, "--out", tmp_path / "e.csv", "--epochs", 0, "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    header, rows = _read(tmp_path / "e.csv")
    assert len(header) == 34 and len(rows) == 8


def test_embed_ssl_features_still_train_and_write_the_same_layout(tiny, tmp_path):
    images, _ = tiny
    out = tmp_path / "ssl.csv"
    proc = run_cli("embed", "--images", images, "--out", out, "--features", "ssl", "--epochs", 1, "--dim", 8, "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    assert any(e["event"] == "progress" for e in events(proc.stdout)), "ssl trains an encoder"
    header, rows = _read(out)
    assert len(header) == 10 and len(rows) == 8


def test_embed_rejects_unknown_features(tiny, tmp_path):
    images, _ = tiny
    proc = run_cli("embed", "--images", images, "--out", tmp_path / "x.csv", "--features", "pixels", "--device", "cpu")
    assert proc.returncode != 0
    assert "--features pixels" in proc.stderr


def _orchard_like(path, apple_rgb, seed):
    """Foliage with a grid of apple-coloured dots; `seed` varies the foliage a little (well under 5% of the
    variance the apple colour brings, so whitening keeps the colour direction and drops the jitter)."""
    rng = np.random.default_rng(seed)
    img = np.zeros((90, 160, 3), np.uint8)
    img[:] = (40 + rng.integers(0, 3), 90 + rng.integers(0, 3), 30)
    for y in range(10, 90, 20):
        for x in range(10, 160, 20):
            img[y:y + 6, x:x + 6] = apple_rgb
    Image.fromarray(img).save(path)


def test_scene_embeddings_put_a_rare_apple_colour_apart(tmp_path):
    # 8 red-apple scenes and 2 yellow-apple ones: the yellow ones must be each other's nearest neighbours,
    # and the farthest-point pick from a red scene (CORESET's second pick) must be a yellow one.
    images = tmp_path / "images"
    images.mkdir()
    for i in range(10):
        _orchard_like(images / f"{i:02d}.png", (200, 30, 20) if i < 8 else (230, 200, 50), i)
    out = tmp_path / "e.csv"
    proc = run_cli("embed", "--images", images, "--out", out, "--features", "scene", "--dim", 8, "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    _, rows = _read(out)
    x = np.array([[float(v) for v in r[1:-1]] for r in rows])
    d = np.linalg.norm(x[:, None] - x[None], axis=2)
    np.fill_diagonal(d, np.inf)
    assert d[8].argmin() == 9 and d[9].argmin() == 8
    assert int(np.argmax(np.where(np.isinf(d[0]), -1, d[0]))) in (8, 9)


def test_whiten_gives_kept_components_unit_variance_and_drops_weak_ones():
    from pomona_trainer.whitening import whiten

    rng = np.random.default_rng(0)
    strong = rng.normal(0, 10, (200, 1))
    weak = rng.normal(0, 1, (200, 1))
    noise = rng.normal(0, 0.01, (200, 1))  # under 5% of the largest singular value: dropped
    out = whiten([np.hstack([strong, weak, noise])], dim=4)
    assert out.shape == (200, 4)
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0)
    assert np.all(out[:, 2:] == 0), "the noise direction and the missing 4th are not whitened"
    # before the L2 step both kept components have unit variance: their spreads are comparable after it
    assert 0.5 < out[:, 0].std() / out[:, 1].std() < 2


def _vectors(csv_path):
    return np.array([[float(v) for v in r[1:-1]] for r in _read(csv_path)[1]])


def _shards(images, root, sizes):
    """The tiny set's images (sorted) cut into folders of links of the given sizes."""
    paths = sorted(images.iterdir())
    folders, start = [], 0
    for k, size in enumerate(sizes):
        folder = root / f"shard{k}"
        folder.mkdir()
        for p in paths[start:start + size]:
            (folder / p.name).symlink_to(p)
        folders.append(folder)
        start += size
    assert start == len(paths)
    return folders


def test_a_pool_embedded_in_shards_gives_the_csv_of_the_whole_pool(tiny, tmp_path):
    images, _ = tiny
    for features in ("scene", "backbone"):
        whole = tmp_path / f"{features}-whole.csv"
        assert run_cli("embed", "--images", images, "--out", whole, "--features", features, "--dim", 6, "--device", "cpu").returncode == 0
        root, blocks = tmp_path / features, tmp_path / f"{features}-blocks"
        root.mkdir()
        for k, folder in enumerate(_shards(images, root, [3, 3, 2])):
            proc = run_cli("embed", "--images", folder, "--blocks-out", blocks / f"{k:05d}.npz", "--features", features, "--device", "cpu")
            assert proc.returncode == 0, proc.stderr
            assert events(proc.stdout)[-1]["images"] == len(list(folder.iterdir()))
        merged = tmp_path / f"{features}-merged.csv"
        proc = run_cli("embed", "--from-blocks", blocks, "--out", merged, "--dim", 6)
        assert proc.returncode == 0, proc.stderr
        assert merged.read_bytes() == whole.read_bytes(), features
        # Whitened shard by shard (as pools above 20,000 rows are): the components up to their signs, so
        # the same distances between images, which is all selection uses.
        streamed = tmp_path / f"{features}-streamed.csv"
        proc = run_cli("embed", "--from-blocks", blocks, "--out", streamed, "--dim", 6, "--stream-above", 0)
        assert proc.returncode == 0, proc.stderr
        assert "whitened shard by shard" in proc.stderr
        a, b = _vectors(whole), _vectors(streamed)
        assert [r[0] for r in _read(streamed)[1]] == [r[0] for r in _read(whole)[1]]
        assert np.allclose(np.abs(a), np.abs(b), atol=1e-6), features
        distances = lambda v: np.linalg.norm(v[:, None] - v[None], axis=2)
        assert np.allclose(distances(a), distances(b), atol=1e-6), features


def test_shard_embedding_refuses_what_it_cannot_do(tiny, tmp_path):
    images, _ = tiny
    proc = run_cli("embed", "--images", images, "--blocks-out", tmp_path / "s.npz", "--features", "ssl", "--device", "cpu")
    assert proc.returncode == 2 and "ssl trains its encoder on the whole pool" in proc.stderr
    proc = run_cli("embed", "--images", images, "--out", tmp_path / "a.csv", "--blocks-out", tmp_path / "s.npz", "--device", "cpu")
    assert proc.returncode == 2 and "exactly one of --out and --blocks-out" in proc.stderr
    (tmp_path / "empty").mkdir()
    proc = run_cli("embed", "--from-blocks", tmp_path / "empty", "--out", tmp_path / "e.csv")
    assert proc.returncode == 2 and "no .npz files" in proc.stderr
    one = tmp_path / "one"
    one.mkdir()
    first = min(images.iterdir())
    (one / first.name).symlink_to(first)
    mixed = tmp_path / "mixed"
    for k, features in enumerate(("scene", "backbone")):
        assert run_cli("embed", "--images", one, "--blocks-out", mixed / f"{k}.npz", "--features", features, "--device", "cpu").returncode == 0
    proc = run_cli("embed", "--from-blocks", mixed, "--out", tmp_path / "m.csv")
    assert proc.returncode == 2 and "backbone features, the other files hold scene" in proc.stderr
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "0.npz").write_text("not numpy")
    proc = run_cli("embed", "--from-blocks", damaged, "--out", tmp_path / "d.csv")
    assert proc.returncode == 2 and "0.npz: not a blocks file" in proc.stderr
