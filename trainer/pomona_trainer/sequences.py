"""Video-like pools (`synth --sequences`): frames of a camera moving along orchard rows.

Real pools are collected by walking or driving along rows, so neighbouring images show nearly the same
trees, and a few conditions dominate with a long tail of rare, hard ones. This writes such a pool in the
layout of `synth.py` (images/, masks/, scenes.json; frame `<sequence>_<frame>` is `s0003_f012`;
more digits when a pool has over 10,000 rows or a row over 1,000 frames, so that names sort in order).

- A pool is S sequences of F frames. Sequence s is one row of orchard s mod K under one condition.
- Its row is painted once as a strip of width W + (F - 1) * step, step = max(1, round(W * (1 - overlap))),
  with apples, leaves and trunks at the densities of single images; frame f is the window at x = f * step.
  Neighbouring frames share `overlap` of their width: with F, the redundancy knob.
- Rows of different lengths (`length_spread` = sigma > 0): sequence s has F_s = round(F * exp(sigma z_s -
  sigma^2 / 2)) frames (at least 1, at most 20 F), z_s ~ N(0, 1) from its own generator, so F is the mean
  length and a few long rows (a camera that kept running) hold much of the pool. With sigma 0 (the default)
  every row has F frames, and the pool is the same as before the knob existed.
- Per frame the camera bobs up to BOB_FRACTION of the height, exposure drifts (x N(1, 0.03)) and sensor
  noise is drawn anew, so no two frames are the same image.
- Conditions, ordered from common to rare (CONDITIONS): P(condition k) = (k + 1)^-tail / sum_j (j + 1)^-tail,
  k = 0..8. The tail knob: 0 is uniform; 1 (default) gives sunny 35%, overcast 18%, ..., dusk 4.4%,
  backlight 3.9%. The rare ones are the hard ones: small far apples, heavy occlusion, green apples on
  green leaves, dusk, and backlight (the sun behind the trees: dark, flat apples under a glare).
- Orchard k fixes its foliage tint (through the strip's generator), apple size (x0.85-1.15) and apple
  density (x0.8-1.2).
- Sequence s is drawn from its own generator (seed, s, style), so a pool's first sequences do not depend on
  S, and another seed gives other rows: a validation split with no near-copy of a pool frame.
"""
import numpy as np

from . import synth
from .errors import InputError

# condition: (light, distance, occlusion, colour), most common first
CONDITIONS = {
    "sunny": ("bright", "mid", "low", "red"),
    "overcast": ("overcast", "mid", "low", "red"),
    "near": ("bright", "near", "low", "red"),
    "yellow": ("overcast", "mid", "low", "yellow"),
    "far": ("overcast", "far", "low", "red"),
    "leafy": ("bright", "mid", "heavy", "red"),
    "green": ("bright", "mid", "low", "green"),
    "dusk": ("dusk", "mid", "low", "red"),
    "backlight": ("backlight", "mid", "low", "red"),
}
BOB_FRACTION = 0.03
SEQUENCE_STREAM = 7  # keeps sequence generators apart from synth.render's image generators
ORCHARD_STREAM = 8
LENGTH_STREAM = 9  # its own stream, so that sigma 0 draws nothing and leaves the rows as they were
MAX_LENGTH_FACTOR = 20


def condition_probabilities(tail: float) -> dict[str, float]:
    weights = np.arange(1, len(CONDITIONS) + 1, dtype=np.float64) ** -tail
    return dict(zip(CONDITIONS, weights / weights.sum()))


def sequence_length(seed: int, sequence: int, frames: int, length_spread: float, style: str = "orchard") -> int:
    """Frames of sequence `sequence`: `frames` when length_spread is 0, else lognormal with mean `frames`."""
    if length_spread == 0:
        return frames
    z = np.random.default_rng([seed, LENGTH_STREAM, sequence, synth.STYLES.index(style)]).standard_normal()
    length = round(frames * np.exp(length_spread * z - length_spread**2 / 2))
    return int(min(max(length, 1), MAX_LENGTH_FACTOR * frames))


def check(sequences: int, frames: int, overlap: float, tail: float, orchards: int, length_spread: float = 0.0) -> None:
    if sequences < 0:
        raise InputError(f"--sequences {sequences}: need 0 or more")
    if frames < 1:
        raise InputError(f"--frames {frames}: need at least 1")
    if not 0 <= overlap < 1:
        raise InputError(f"--overlap {overlap}: need 0 <= overlap < 1 (the share of a frame its neighbour repeats)")
    if not tail >= 0:
        raise InputError(f"--tail {tail}: need 0 or more (0: all conditions equally often)")
    if orchards < 1:
        raise InputError(f"--orchards {orchards}: need at least 1")
    if not 0 <= length_spread <= 3:
        raise InputError(f"--length-spread {length_spread}: need 0 to 3 (the sigma of log row length; 0: every row --frames long)")


def generate(out: str, sequences: int, frames: int = 30, seed: int = 0, width: int = 640, height: int = 360, style: str = "orchard",
             overlap: float = 0.9, tail: float = 1.0, orchards: int = 3, length_spread: float = 0.0) -> None:
    synth.check_look(style, width, height)
    check(sequences, frames, overlap, tail, orchards, length_spread)
    lengths = [sequence_length(seed, s, frames, length_spread, style) for s in range(sequences)]
    s_digits, f_digits = name_digits(sequences, max(lengths, default=0))
    synth.write_pool(out, ((f"s{s:0{s_digits}d}_f{f:0{f_digits}d}", *frame)
                           for s in range(sequences)
                           for f, frame in enumerate(render_sequence(seed, s, lengths[s], width, height, style, overlap, tail, orchards))))


def name_digits(sequences: int, longest: int) -> tuple[int, int]:
    """Digits of the sequence and frame numbers in frame names: 4 and 3, more when a pool needs them, so
    that names sort in sequence and frame order (and pools that fit keep the names they always had)."""
    return max(4, len(str(sequences - 1))), max(3, len(str(longest - 1)))


def sequence_condition(rng: np.random.Generator, tail: float) -> str:
    p = np.array(list(condition_probabilities(tail).values()))
    return list(CONDITIONS)[rng.choice(len(p), p=p)]


def render_sequence(seed: int, sequence: int, frames: int, width: int, height: int, style: str,
                    overlap: float = 0.9, tail: float = 1.0, orchards: int = 3):
    """Yields (image, mask, attributes) for each frame of sequence `sequence`, as synth.render does for one image."""
    rng = np.random.default_rng([seed, SEQUENCE_STREAM, sequence, synth.STYLES.index(style)])
    orchard = sequence % orchards
    trees = np.random.default_rng([seed, ORCHARD_STREAM, orchard, synth.STYLES.index(style)])
    size_scale, density = trees.uniform(0.85, 1.15), trees.uniform(0.8, 1.2)
    condition = sequence_condition(rng, tail)
    light, distance, occlusion, colour = CONDITIONS[condition]

    step = max(1, round(width * (1 - overlap)))
    bob = max(1, round(BOB_FRACTION * height))
    strip_w, strip_h = width + (frames - 1) * step, height + 2 * bob
    img, mask, _ = synth.paint(rng, strip_w, strip_h, style, distance, occlusion, colour,
                            span=strip_w / width, size_scale=size_scale, density=density)
    img = _backlit(img, rng) if light == "backlight" else synth.apply_light(img, light, rng)
    phase = rng.uniform(0, 2 * np.pi)
    for f in range(frames):
        dy = bob + round(bob * np.sin(phase + 0.7 * f))
        window = (slice(dy, dy + height), slice(f * step, f * step + width))
        frame = img[window] * np.float32(rng.normal(1.0, 0.03))
        if light == "backlight":
            frame = _glare(frame)
        frame_mask = synth.visible_instances(mask[window], renumber=True)
        yield synth.finish(frame, rng), frame_mask, {
            "scene": condition,
            "style": style,
            "light": light,
            "distance": distance,
            "occlusion": occlusion,
            "colour": colour,
            "apples": int(frame_mask.max()),
            "sequence": sequence,
            "frame": f,
            "orchard": orchard,
        }


def _backlit(img, rng):
    """The sun behind the trees: everything facing the camera is in shade, flat and a little blue."""
    grey = img.mean(-1, keepdims=True)
    shaded = (0.55 * img + 0.45 * grey) * rng.uniform(0.35, 0.5)
    return shaded * np.array((0.95, 0.97, 1.08), np.float32) + 0.03


def _glare(frame):
    """Haze and glare from a sun above the frame's upper right, fixed in the frame as the camera moves."""
    h, w = frame.shape[:2]
    y = (np.arange(h, dtype=np.float32)[:, None] / h + 0.15) ** 2
    x = (np.arange(w, dtype=np.float32)[None, :] / w - 0.7) ** 2
    glare = np.exp(-(x + y) / (2 * 0.3**2))[..., None]
    return frame * (1 - 0.5 * glare) + glare * np.array((1.0, 0.93, 0.75), np.float32) * 0.75
