"""Synthetic orchards in MinneApple's detection layout: images/<name>.png, masks/<name>.png, scenes.json.

Each image draws a scene kind (common: sunny, overcast; rare, ~5% each: dusk, leafy, green, yellow) that
fixes light, distance (apple size and count), occlusion by leaves and apple colour, so a pool has rare
sub-populations that diversity-based selection should find. Apple diameters follow MinneApple: median
~30 px at 1280x720, scaled with the image height. Later apples and leaves hide earlier pixels; masks keep
only visible pixels and drop instances with fewer than MIN_VISIBLE pixels.

Two looks share the layout: `orchard` (shaded discs, smooth gradient foliage, leaf-shaped occluders) and
`alt` (rotated ellipses with a specular highlight, high-frequency textured foliage, angular occluders,
a shifted palette), to check that a detector is not tuned to one renderer.

`--colour-classes` makes two classes of apples: each apple is red or green (p = 0.5 each, whatever the
scene's colour), written as KITTI labels (`labels/<name>.txt`, classes `red` and `green`) instead of
masks, whose ids cannot name a class. The other draws stay as they are, so the images differ from the
one-class pool's only in the apples' colours.

Image i is drawn from its own generator seeded by (seed, i, style), so output is byte-identical per
arguments and an image does not depend on --count.
"""
import json
import os

import numpy as np
from PIL import Image

from . import interrupt, kitti, masks
from .errors import InputError
from .fsutil import write_text_atomic

MIN_VISIBLE = 12
STYLES = ("orchard", "alt")
COLOUR_CLASSES = ("red", "green")  # --colour-classes: the two classes, in this order
COLOURS_STREAM = 11  # keeps the apples' class draws apart from the image's own generator

# kind: (weight, light, distance, occlusion, colour)
SCENES = {
    "sunny": (0.40, "bright", "mid", "low", "red"),
    "overcast": (0.20, "overcast", "mid", "low", "red"),
    "near": (0.10, "bright", "near", "low", "red"),
    "far": (0.10, "overcast", "far", "low", "red"),
    "dusk": (0.05, "dusk", "mid", "low", "red"),
    "leafy": (0.05, "bright", "mid", "heavy", "red"),
    "green": (0.05, "bright", "mid", "low", "green"),
    "yellow": (0.05, "overcast", "mid", "low", "yellow"),
}
# distance: (apple count range, size factor against the MinneApple median)
DISTANCE = {"near": ((15, 28), 1.7), "mid": ((22, 50), 1.0), "far": ((40, 60), 0.6)}
OCCLUDERS_PER_APPLE = {"low": 0.35, "heavy": 1.6}
PALETTE = {
    "orchard": {"red": (0.72, 0.10, 0.08), "green": (0.50, 0.72, 0.18), "yellow": (0.92, 0.80, 0.25)},
    "alt": {"red": (0.62, 0.04, 0.22), "green": (0.62, 0.82, 0.10), "yellow": (0.98, 0.62, 0.08)},
}


def generate(out: str, count: int, seed: int, width: int = 640, height: int = 360, style: str = "orchard",
             colour_classes: bool = False) -> None:
    check_look(style, width, height)
    if count < 0:
        raise InputError("--count: need count >= 0")
    write_pool(out, ((f"{i:06d}", *render(seed, i, width, height, style, colour_classes)) for i in range(count)), colour_classes)


def check_look(style: str, width: int, height: int) -> None:
    if style not in STYLES:
        raise InputError(f"--style {style}: unknown style (use {' or '.join(STYLES)})")
    if width < 16 or height < 16:
        raise InputError("--width/--height: need a size of at least 16x16")


def write_pool(out: str, items, class_labels: bool = False) -> None:
    """images/<name>.png, masks/<name>.png and scenes.json from (name, image, mask, attributes) items.

    With `class_labels` (a --colour-classes pool) labels/<name>.txt (KITTI, each box's class from the
    attributes' `instance_classes`) replace the masks, which cannot name a class: the pool is then a
    KITTI dataset, which pomona's ingest reads with its classes.
    """
    os.makedirs(os.path.join(out, "images"), exist_ok=True)
    os.makedirs(os.path.join(out, "labels" if class_labels else "masks"), exist_ok=True)
    scenes = {}
    for name, image, mask, attributes in items:
        interrupt.check()
        save_png(Image.fromarray(image, "RGB"), os.path.join(out, "images", name + ".png"))
        if class_labels:
            by_id = attributes.pop("instance_classes")
            lines = [kitti.format_label(by_id[i], box) for i, box in sorted(masks.mask_boxes(mask).items())]
            write_text_atomic(os.path.join(out, "labels", name + ".txt"), "".join(line + "\n" for line in lines))
        else:
            save_png(Image.fromarray(mask, "L"), os.path.join(out, "masks", name + ".png"))
        scenes[name] = attributes
    write_text_atomic(os.path.join(out, "scenes.json"), json.dumps(scenes, indent=1, sort_keys=True) + "\n")


def save_png(image: Image.Image, path: str) -> None:
    tmp = path + ".tmp"
    image.save(tmp, format="PNG", compress_level=1)
    os.replace(tmp, path)


def render(seed: int, index: int, width: int, height: int, style: str, colour_classes: bool = False):
    """(HxWx3 uint8 image, HxW uint8 instance mask, scene attributes) for image `index`; with
    `colour_classes`, the attributes also give each visible id's class (`instance_classes`) and the count
    per class (`classes`)."""
    rng = np.random.default_rng([seed, index, STYLES.index(style)])
    kinds = list(SCENES)
    weights = np.array([SCENES[k][0] for k in kinds])
    kind = kinds[rng.choice(len(kinds), p=weights / weights.sum())]
    _, light, distance, occlusion, colour = SCENES[kind]
    colours_rng = np.random.default_rng([seed, index, STYLES.index(style), COLOURS_STREAM])
    img, mask, colours = paint(rng, width, height, style, distance, occlusion, colour,
                               colours=COLOUR_CLASSES if colour_classes else None, colours_rng=colours_rng)
    img = apply_light(img, light, rng)
    image = finish(img, rng)
    mask = visible_instances(mask)
    attributes: dict = {
        "scene": kind,
        "style": style,
        "light": light,
        "distance": distance,
        "occlusion": occlusion,
        "colour": colour,
        "apples": int(np.count_nonzero(np.unique(mask))),
    }
    if colour_classes:
        visible = [int(i) for i in np.unique(mask) if i]
        attributes["colour"] = "+".join(COLOUR_CLASSES)
        attributes["instance_classes"] = {i: colours[i - 1] for i in visible}  # paint's id k + 1 is apple k
        attributes["classes"] = {c: sum(colours[i - 1] == c for i in visible) for c in COLOUR_CLASSES}
    return image, mask, attributes


def paint(rng, width, height, style, distance, occlusion, colour, span=1.0, size_scale=1.0, density=1.0, colours=None, colours_rng=None):
    """Foliage, apples and occluding leaves before lighting: (HxWx3 float image, HxW uint16 instance ids,
    each apple's colour name; apple k has id k + 1).

    `span` is the width in image widths (a sequence's strip): apple, trunk and branch counts and the
    foliage's coarse noise scale with it, so density is that of one image. `size_scale` and `density`
    multiply apple diameters and counts (an orchard's trees). `colours`: names in PALETTE, one drawn
    per apple (uniformly, from `colours_rng`) instead of the scene's `colour`; `rng` makes the same draws
    either way, so the rest of the picture is the one `colours=None` paints.
    """
    img = _background(rng, width, height, style, span)
    mask = np.zeros((height, width), np.uint16)
    (lo, hi), size_factor = DISTANCE[distance]
    n = round(int(rng.integers(lo, hi + 1)) * span * density)
    median_d = 30.0 * height / 720.0 * size_factor * size_scale
    diameters = np.clip(median_d * np.exp(rng.normal(0.0, 0.25, n)), 4.0, None)
    cx = rng.uniform(0, width, n)
    cy = rng.uniform(0.08 * height, height, n)  # sky band at the top holds few apples
    if colours is None:
        names = [colour] * n
    else:
        assert colours_rng is not None, "colours need their own generator"
        names = [colours[j] for j in colours_rng.integers(len(colours), size=n)]
    for k in range(n):
        tint = np.clip(np.array(PALETTE[style][names[k]]) + rng.normal(0, 0.05, 3), 0, 1)
        if style == "orchard":
            _shaded_disc(img, mask, cx[k], cy[k], diameters[k] / 2, tint, k + 1)
        else:
            aspect = rng.uniform(0.75, 1.3)
            _specular_ellipse(img, mask, cx[k], cy[k], diameters[k] / 2, aspect, rng.uniform(0, np.pi), tint, k + 1)

    # Occluding leaves on top of apples: they erase mask pixels, so masks keep only what is visible.
    m = round(OCCLUDERS_PER_APPLE[occlusion] * n)
    for _ in range(m):
        k = int(rng.integers(n))
        r = diameters[k] / 2
        ox, oy = cx[k] + rng.normal(0, 0.8 * r), cy[k] + rng.normal(0, 0.8 * r)
        leaf = np.array((0.12, 0.38, 0.10)) * rng.uniform(0.7, 1.3) if style == "orchard" else np.array((0.05, 0.30, 0.25)) * rng.uniform(0.7, 1.4)
        _leaf(img, mask, ox, oy, r * rng.uniform(0.6, 1.1), rng.uniform(0, np.pi), np.clip(leaf, 0, 1), style)
    return img, mask, names


def finish(img, rng):
    """Sensor noise and quantisation: the float image as HxWx3 uint8."""
    img = img + rng.normal(0, 0.02, img.shape).astype(np.float32)
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


def visible_instances(mask, renumber: bool = False):
    """The uint8 mask of instances with at least MIN_VISIBLE visible pixels; the others become background.

    Ids are kept (1..n with gaps), or with `renumber` made 1..m in id order (a window of a sequence's
    strip, whose ids may exceed 255).
    """
    counts = np.bincount(mask.ravel(), minlength=256)
    keep = counts >= MIN_VISIBLE
    keep[0] = False
    if renumber:
        lut = np.zeros(len(counts), np.int64)
        lut[keep] = np.arange(1, int(keep.sum()) + 1)
    else:
        lut = np.where(keep, np.arange(len(counts)), 0)
    if lut.max() > 255:
        raise ValueError("more than 255 visible apples in one image")
    return lut.astype(np.uint8)[mask]


def _upsampled_noise(rng, width, height, cells_x, cells_y, channels=1):
    """Smooth noise in [0,1]: a coarse random grid resized bilinearly (PIL is deterministic)."""
    coarse = (rng.random((cells_y, cells_x, channels)) * 255).astype(np.uint8)
    layers = [np.asarray(Image.fromarray(coarse[..., c]).resize((width, height), Image.Resampling.BILINEAR)) for c in range(channels)]
    return np.stack(layers, -1).astype(np.float32) / 255.0


def _background(rng, width, height, style, span=1.0):
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    if style == "orchard":
        # smooth: sky fading into foliage, large soft leaf masses, grass at the bottom
        sky = np.array((0.70, 0.80, 0.90), np.float32)
        foliage = np.array((0.16, 0.36, 0.12), np.float32) * rng.uniform(0.8, 1.2)
        grass = np.array((0.30, 0.45, 0.15), np.float32)
        t_sky = np.clip((0.12 - y) / 0.12, 0, 1)
        t_grass = np.clip((y - 0.85) / 0.15, 0, 1)
        img = foliage * (1 - t_sky - t_grass) + sky * t_sky + grass * t_grass
        img = img * (0.65 + 0.7 * _upsampled_noise(rng, width, height, max(1, round(12 * span)), 7))
        img = np.broadcast_to(img, (height, width, 3)).copy()
        for _ in range(round(int(rng.integers(1, 4)) * span)):  # trunks
            x0 = int(rng.uniform(0, width))
            w = max(2, int(rng.uniform(0.015, 0.04) * width))
            img[int(0.3 * height):, x0:x0 + w] = np.array((0.30, 0.22, 0.14), np.float32) * rng.uniform(0.8, 1.2)
    else:
        # textured: high-frequency two-tone foliage with bluish shadows, no sky
        fine = _upsampled_noise(rng, width, height, max(8, width // 6), max(6, height // 6), 3)
        coarse = _upsampled_noise(rng, width, height, max(1, round(8 * span)), 5)
        light_leaf = np.array((0.35, 0.55, 0.20), np.float32)
        shadow = np.array((0.05, 0.18, 0.20), np.float32)
        t = np.clip((fine[..., :1] - 0.5) * 3 + 0.5 * coarse, 0, 1)
        img = shadow * (1 - t) + light_leaf * t + 0.08 * (fine - 0.5)
        for _ in range(round(int(rng.integers(2, 6)) * span)):  # diagonal branches
            x0 = rng.uniform(0, width)
            slope = rng.uniform(-1.5, 1.5)
            w = rng.uniform(0.006, 0.015) * width
            xs = np.arange(width, dtype=np.float32)[None, :]
            band = np.abs(xs - (x0 + slope * (np.arange(height, dtype=np.float32)[:, None] - height / 2))) < w
            img[band] = np.array((0.25, 0.20, 0.18), np.float32)
    return img.astype(np.float32)


def _window(cx, cy, r, width, height):
    x0, x1 = max(0, int(np.floor(cx - r))), min(width, int(np.ceil(cx + r)) + 1)
    y0, y1 = max(0, int(np.floor(cy - r))), min(height, int(np.ceil(cy + r)) + 1)
    if x0 >= x1 or y0 >= y1:
        return None
    xs = np.arange(x0, x1, dtype=np.float32) + 0.5 - cx
    ys = np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5 - cy
    return (slice(y0, y1), slice(x0, x1)), xs, ys


def _shaded_disc(img, mask, cx, cy, r, colour, instance):
    win = _window(cx, cy, r, img.shape[1], img.shape[0])
    if win is None:
        return
    sl, dx, dy = win
    d2 = (dx * dx + dy * dy) / (r * r)
    inside = d2 <= 1.0
    # diffuse light from the upper left, darker rim
    lit = np.sqrt((dx + 0.35 * r) ** 2 + (dy + 0.35 * r) ** 2) / (1.6 * r)
    shade = np.clip(1.15 - 0.75 * lit, 0.35, 1.2) * (1 - 0.25 * d2 ** 4)
    region = img[sl]
    region[inside] = (shade[..., None] * colour)[inside]
    mask[sl][inside] = instance


def _specular_ellipse(img, mask, cx, cy, r, aspect, angle, colour, instance):
    rx, ry = r * np.sqrt(aspect), r / np.sqrt(aspect)
    win = _window(cx, cy, max(rx, ry), img.shape[1], img.shape[0])
    if win is None:
        return
    sl, dx, dy = win
    c, s = np.cos(angle), np.sin(angle)
    u, v = dx * c + dy * s, -dx * s + dy * c
    inside = (u / rx) ** 2 + (v / ry) ** 2 <= 1.0
    # flat colour, slightly darker at the bottom, plus a sharp white highlight
    spot = np.exp(-((dx + 0.3 * r) ** 2 + (dy + 0.35 * r) ** 2) / (2 * (0.18 * r) ** 2))
    body = colour * (0.95 - 0.2 * np.clip(dy / r, 0, 1))[..., None]
    pixel = body * (1 - spot[..., None]) + spot[..., None] * 0.97
    region = img[sl]
    region[inside] = pixel[inside]
    mask[sl][inside] = instance


def _leaf(img, mask, cx, cy, r, angle, colour, style):
    win = _window(cx, cy, r, img.shape[1], img.shape[0])
    if win is None:
        return
    sl, dx, dy = win
    c, s = np.cos(angle), np.sin(angle)
    u, v = dx * c + dy * s, -dx * s + dy * c
    if style == "orchard":
        inside = (u / r) ** 2 + (v / (0.45 * r)) ** 2 <= 1.0  # leaf-shaped ellipse
        shade = 1.0 + 0.25 * (np.abs(v) < 0.06 * r)  # light mid-rib
    else:
        inside = np.abs(u) / r + np.abs(v) / (0.55 * r) <= 1.0  # angular diamond
        shade = 0.85 + 0.3 * (u > 0)
    region = img[sl]
    region[inside] = (np.broadcast_to(shade, inside.shape)[..., None] * colour)[inside]
    mask[sl][inside] = 0


def apply_light(img, light, rng):
    if light == "bright":
        return (img - 0.35) * rng.uniform(1.1, 1.3) + 0.38 + np.array((0.04, 0.03, -0.02), np.float32)
    if light == "overcast":
        grey = img.mean(-1, keepdims=True)
        return (0.6 * img + 0.4 * grey) * rng.uniform(0.8, 0.95) + 0.08
    # dusk: dark, low contrast, warm-violet cast
    return img * rng.uniform(0.3, 0.45) * np.array((1.0, 0.8, 0.95), np.float32) + 0.02
