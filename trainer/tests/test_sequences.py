import json
from collections import Counter

import numpy as np
import pytest
from conftest import run_cli
from PIL import Image

from pomona_trainer import masks, sequences, synth
from pomona_trainer.errors import InputError


def _files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_other_seed_other_rows(tmp_path):
    for name, seed in (("a", 4), ("b", 4), ("c", 5)):
        proc = run_cli("synth", "--out", tmp_path / name, "--sequences", 2, "--frames", 3, "--seed", seed, "--width", 96, "--height", 64)
        assert proc.returncode == 0, proc.stderr
    a, b, c = (_files(tmp_path / n) for n in "abc")
    assert a == b
    assert a.keys() == c.keys() and all(a[k] != c[k] for k in a if k.endswith(".png"))


def test_layout_masks_and_scenes(tmp_path):
    sequences.generate(str(tmp_path), 3, 4, seed=1, width=320, height=180)
    names = sorted(p.stem for p in (tmp_path / "images").iterdir())
    assert names == [f"s{s:04d}_f{f:03d}" for s in range(3) for f in range(4)]
    scenes = json.loads((tmp_path / "scenes.json").read_text())
    assert sorted(scenes) == names
    for name in names:
        attrs = scenes[name]
        assert attrs["scene"] in sequences.CONDITIONS and f"s{attrs['sequence']:04d}_f{attrs['frame']:03d}" == name
        assert attrs["orchard"] == attrs["sequence"] % 3
        mask = np.asarray(Image.open(tmp_path / "masks" / f"{name}.png"))
        assert Image.open(tmp_path / "images" / f"{name}.png").size == (320, 180) and mask.shape == (180, 320)
        ids, counts = np.unique(mask[mask > 0], return_counts=True)
        # a window of the strip: visible apples renumbered 1..n, each with enough pixels to label
        assert list(ids) == list(range(1, attrs["apples"] + 1)) and attrs["apples"] >= 5
        assert counts.min() >= synth.MIN_VISIBLE
    # one condition per sequence
    assert all(len({scenes[n]["scene"] for n in names if scenes[n]["sequence"] == s}) == 1 for s in range(3))


def _shifted_difference(a, b, step, bob):
    """Mean absolute difference of frame b against frame a moved by `step` px, best over vertical shifts."""
    a, b = a.astype(float), b.astype(float)
    h = a.shape[0]
    return min(np.abs(a[max(0, dy):h + min(0, dy), step:] - b[max(0, -dy):h - max(0, dy), :-step]).mean() for dy in range(-2 * bob, 2 * bob + 1))


def test_neighbouring_frames_are_near_copies_and_other_rows_are_not():
    frames = [f for f, _, _ in sequences.render_sequence(0, 0, 3, 320, 180, "orchard", overlap=0.9)]
    other_seed = next(sequences.render_sequence(1, 0, 1, 320, 180, "orchard"))[0]
    other_row = next(sequences.render_sequence(0, 1, 1, 320, 180, "orchard"))[0]
    step, bob = 32, max(1, round(sequences.BOB_FRACTION * 180))
    neighbour = _shifted_difference(frames[0], frames[1], step, bob)
    assert neighbour < 0.4 * _shifted_difference(frames[0], other_seed, step, bob)
    assert neighbour < 0.4 * _shifted_difference(frames[0], other_row, step, bob)
    assert not np.array_equal(frames[0], frames[1])


def test_apples_move_with_the_camera():
    (_, m0, _), (_, m1, _) = list(sequences.render_sequence(2, 0, 2, 320, 180, "orchard", overlap=0.75))
    b0, b1 = (np.array(list(masks.mask_boxes(m).values()), float) for m in (m0, m1))
    # an apple whole in both frames is 80 px (= 320 * 0.25) further left in the second, give or take the bob
    inner = b0[(b0[:, 0] > 90) & (b0[:, 2] < 310)]
    assert len(inner) >= 10
    for box in inner:
        d = np.abs(b1 - (box - [80, 0, 80, 0]))
        assert (d[:, [0, 2]].max(1) <= 1).any() and (d.max(1) <= 2 * max(1, round(sequences.BOB_FRACTION * 180)) + 1).any()


def test_conditions_follow_the_tail():
    def counts(tail):
        return Counter(sequences.sequence_condition(np.random.default_rng([9, s]), tail) for s in range(3000))

    skewed, flat = counts(1.0), counts(0.0)
    p = sequences.condition_probabilities(1.0)
    assert abs(p["sunny"] - 0.353) < 0.001 and abs(p["backlight"] - 0.039) < 0.001
    for name, q in p.items():
        assert abs(skewed[name] / 3000 - q) < 0.025, (name, skewed[name])
    assert all(abs(flat[name] / 3000 - 1 / 9) < 0.025 for name in sequences.CONDITIONS)
    assert skewed["sunny"] > 5 * skewed["backlight"]


def test_rows_of_different_lengths(tmp_path):
    lengths = [sequences.sequence_length(2000, s, 30, 1.5) for s in range(400)]
    assert [sequences.sequence_length(2000, s, 30, 0.0) for s in range(5)] == [30] * 5
    assert lengths == [sequences.sequence_length(2000, s, 30, 1.5) for s in range(400)]  # deterministic per seed
    assert 1 <= min(lengths) <= 5 and max(lengths) >= 200 and max(lengths) <= 600
    assert 20 < np.mean(lengths) < 40  # mean --frames
    top = sorted(lengths, reverse=True)
    assert sum(top[:20]) > 0.4 * sum(lengths)  # 5% of the rows hold much of the pool
    # on disk: sequence s has its own length; the knob leaves the rows' content as without it
    sequences.generate(str(tmp_path / "spread"), 3, 4, seed=7, width=96, height=64, length_spread=1.5)
    sequences.generate(str(tmp_path / "even"), 3, 4, seed=7, width=96, height=64)
    spread = json.loads((tmp_path / "spread" / "scenes.json").read_text())
    assert Counter(a["sequence"] for a in spread.values()) == {s: sequences.sequence_length(7, s, 4, 1.5) for s in range(3)}
    even = json.loads((tmp_path / "even" / "scenes.json").read_text())
    assert {a["scene"] for a in spread.values()} == {a["scene"] for a in even.values()}


def test_backlight_is_shaded_under_a_glare_in_the_upper_right():
    img, _, _ = synth.paint(np.random.default_rng(0), 160, 90, "orchard", "mid", "low", "red")
    sunny = synth.apply_light(img, "bright", np.random.default_rng(1))
    backlit = sequences._glare(sequences._backlit(img, np.random.default_rng(1)))
    assert backlit[60:, :40].mean() < 0.6 * sunny[60:, :40].mean()  # away from the sun: in shade
    assert backlit[:20, 100:140].mean() > 2 * backlit[60:, :40].mean()  # towards it: glare


@pytest.mark.parametrize(
    "args, flag",
    [((0, 0, 0.9, 1.0, 1), "--frames 0"), ((1, 5, 1.0, 1.0, 1), "--overlap 1.0"), ((1, 5, -0.1, 1.0, 1), "--overlap -0.1"),
     ((1, 5, 0.9, -1.0, 1), "--tail -1.0"), ((1, 5, 0.9, 1.0, 0), "--orchards 0"), ((-1, 5, 0.9, 1.0, 1), "--sequences -1"),
     ((1, 5, 0.9, 1.0, 1, -0.5), "--length-spread -0.5"), ((1, 5, 0.9, 1.0, 1, 4.0), "--length-spread 4.0")],
)
def test_bad_knobs_name_their_flag(args, flag):
    with pytest.raises(InputError, match=flag):
        sequences.check(*args)


def test_count_and_sequences_are_exclusive(tmp_path):
    proc = run_cli("synth", "--out", tmp_path, "--count", 2, "--sequences", 2, "--seed", 0)
    assert proc.returncode == 2 and "not allowed with argument" in proc.stderr
    proc = run_cli("synth", "--out", tmp_path, "--sequences", 1, "--frames", 2, "--overlap", 1.5, "--seed", 0)
    assert proc.returncode == 2 and proc.stderr.strip() == "error: --overlap 1.5: need 0 <= overlap < 1 (the share of a frame its neighbour repeats)"
    proc = run_cli("synth", "--out", tmp_path, "--count", 2, "--tail", 2, "--seed", 0)
    assert proc.returncode == 2 and proc.stderr.strip() == "error: --tail: only with --sequences"
    proc = run_cli("synth", "--out", tmp_path, "--count", 2, "--length-spread", 1, "--seed", 0)
    assert proc.returncode == 2 and proc.stderr.strip() == "error: --length-spread: only with --sequences"


def test_frame_names_sort_in_order_past_the_usual_digits():
    assert sequences.name_digits(3, 4) == (4, 3)  # the names pools always had
    assert sequences.name_digits(10_000, 1_000) == (4, 3)
    assert sequences.name_digits(10_001, 1_001) == (5, 4)
    s_digits, f_digits = sequences.name_digits(12_000, 2_500)
    names = [f"s{s:0{s_digits}d}_f{f:0{f_digits}d}" for s in (9, 10, 11_999) for f in (0, 999, 1_000, 2_499)]
    assert sorted(names) == names
