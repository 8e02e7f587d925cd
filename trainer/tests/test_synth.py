import json
from collections import Counter

import numpy as np
from conftest import run_cli
from PIL import Image

from pomona_trainer import masks, synth


def _files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    for name, seed in (("a", 4), ("b", 4), ("c", 5)):
        proc = run_cli("synth", "--out", tmp_path / name, "--count", 3, "--seed", seed, "--width", 96, "--height", 64)
        assert proc.returncode == 0, proc.stderr
    a, b, c = (_files(tmp_path / n) for n in "abc")
    assert a == b
    assert a.keys() == c.keys() and all(a[k] != c[k] for k in a if k.endswith(".png"))


def test_minneapple_layout_masks_and_scenes(tmp_path):
    synth.generate(str(tmp_path), 6, seed=1, width=320, height=180)
    names = sorted(p.stem for p in (tmp_path / "images").iterdir())
    assert names == [f"{i:06d}" for i in range(6)]
    scenes = json.loads((tmp_path / "scenes.json").read_text())
    assert sorted(scenes) == names
    for name in names:
        attrs = scenes[name]
        assert attrs["scene"] in synth.SCENES and {"light", "distance", "occlusion", "colour", "apples"} <= attrs.keys()
        image = Image.open(tmp_path / "images" / f"{name}.png")
        mask_image = Image.open(tmp_path / "masks" / f"{name}.png")
        assert image.mode == "RGB" and mask_image.mode == "L" and image.size == mask_image.size == (320, 180)
        mask = np.asarray(mask_image)
        ids, counts = np.unique(mask[mask > 0], return_counts=True)
        assert counts.min() >= synth.MIN_VISIBLE and len(ids) == attrs["apples"] and 10 <= len(ids) <= 255
        boxes = masks.mask_boxes(mask)
        for i in ids[:5]:
            ys, xs = np.nonzero(mask == i)
            assert boxes[int(i)] == (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)


def test_scene_mix_has_common_and_rare_kinds_and_sizes_follow_distance():
    kinds, sizes = Counter(), {}
    for i in range(240):
        _, mask, attrs = synth.render(0, i, 320, 180, "orchard")
        kinds[attrs["scene"]] += 1
        b = np.array(list(masks.mask_boxes(mask).values()))
        if len(b):
            sizes.setdefault(attrs["distance"], []).extend(np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]))
    assert set(kinds) == set(synth.SCENES)
    for rare in ("dusk", "leafy", "green", "yellow"):
        assert 2 <= kinds[rare] <= 30, kinds  # about 5% of 240
    assert kinds["sunny"] > 60
    assert np.median(sizes["near"]) > np.median(sizes["mid"]) > np.median(sizes["far"])


def test_median_apple_size_follows_minneapple_scale():
    d = []
    for i in range(20):
        _, mask, attrs = synth.render(3, i, 1280, 720, "orchard")
        if attrs["distance"] == "mid":
            b = np.array(list(masks.mask_boxes(mask).values()))
            d.extend(np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]))
    assert 22 <= np.median(d) <= 38


def _block_texture(image):
    """Mean difference between neighbouring 4x4 block means: pixel noise averages out, foliage texture stays."""
    x = image.astype(float).mean(-1)
    h, w = x.shape[0] // 4 * 4, x.shape[1] // 4 * 4
    blocks = x[:h, :w].reshape(h // 4, 4, w // 4, 4).mean((1, 3))
    return np.abs(np.diff(blocks, axis=1)).mean()


def test_alt_style_looks_different():
    orchard = np.mean([_block_texture(synth.render(0, i, 160, 90, "orchard")[0]) for i in range(8)])
    alt = np.mean([_block_texture(synth.render(0, i, 160, 90, "alt")[0]) for i in range(8)])
    assert alt > 1.5 * orchard
    _, mask, _ = synth.render(0, 0, 160, 90, "alt")
    assert mask.max() > 0
