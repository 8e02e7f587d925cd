import pytest
import torch
from conftest import run_cli

from pomona_trainer import flips
from pomona_trainer.data import sample_crops
from pomona_trainer.errors import InputError


def _centroid_net(x):
    """A flip-equivariant 'detector': per 4x4 cell, log mean brightness, the brightness centroid's offset
    inside the cell (in cells) and the mean brightness as log sizes. Mirroring its input mirrors its output
    with offsets o -> 1 - o, exactly the mapping tta_forward undoes."""
    b = x.mean(1) + 1e-3  # B,H,W
    n, h, w = b.shape
    cells = b.reshape(n, h // 4, 4, w // 4, 4)
    mass = cells.sum((2, 4))
    pos = (torch.arange(4, dtype=x.dtype) + 0.5) / 4
    ox = (cells.sum(2) * pos).sum(-1) / mass
    oy = (cells.sum(4) * pos.view(1, 1, 4, 1)).sum(2) / mass
    mean = mass / 16
    return torch.stack([mean.log(), ox, oy, mean, mean], 1)


@pytest.mark.parametrize("mode", flips.FLIPS)
def test_tta_maps_every_flip_back_onto_the_input(mode):
    x = torch.rand(2, 3, 32, 48)
    single = _centroid_net(x)
    averaged = flips.tta_forward(_centroid_net, x, mode)
    assert torch.allclose(averaged, single, atol=1e-5)
    # offsets not mirrored (o kept as o) would not come back: the mapping matters
    wrong = (single + torch.flip(_centroid_net(torch.flip(x, [3])), [3])) / 2
    assert not torch.allclose(wrong[:, 1], single[:, 1], atol=1e-3)


def _square_tracked(x, box):
    x1, y1, x2, y2 = (round(float(v)) for v in box)
    inside = x[:, y1 + 2:y2 - 2, x1 + 2:x2 - 2].mean()
    return inside > x.mean() + 0.1


def test_all_flips_mirror_crops_top_to_bottom_with_their_boxes():
    g = torch.Generator().manual_seed(0)
    img = torch.full((3, 96, 128), 114, dtype=torch.uint8)
    img[:, 10:30, 30:50] = 255  # a white square near the top
    upside_down = 0
    for _ in range(16):
        x, boxes = sample_crops([img], [torch.tensor([[30.0, 10.0, 50.0, 30.0]])], g, 128, 96, zoom=(1.0, 1.0), flips="all")
        assert len(boxes[0]) == 1 and _square_tracked(x[0], boxes[0][0])
        upside_down += int(boxes[0][0][1] > 48)  # mirrored: the square is in the lower half
    assert 3 <= upside_down <= 13
    g = torch.Generator().manual_seed(0)
    for _ in range(16):  # horizontal only: never upside down
        _, boxes = sample_crops([img], [torch.tensor([[30.0, 10.0, 50.0, 30.0]])], g, 128, 96, zoom=(1.0, 1.0))
        assert boxes[0][0][1] < 48


def test_flips_are_recorded_used_by_tta_and_checked(tiny, tmp_path):
    images, labels = tiny
    proc = run_cli("train", "--images", images, "--labels", labels, "--out", tmp_path / "run", "--epochs", 1, "--backbone", "scratch",
                   "--batch-size", 4, "--input-size", "128x96", "--flips", "all", "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    ckpt = torch.load(tmp_path / "run" / "weights" / "epoch_001.pt", weights_only=True)
    assert ckpt["config"]["flips"] == "all"
    proc = run_cli("infer", "--model", tmp_path / "run" / "weights" / "epoch_001.pt", "--images", images, "--out", tmp_path / "pred", "--tta", "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    assert len(list((tmp_path / "pred").iterdir())) == len(list(images.iterdir()))
    bad = run_cli("train", "--images", images, "--labels", labels, "--out", tmp_path / "bad", "--flips", "vertical", "--device", "cpu")
    assert bad.returncode == 2 and bad.stderr.strip() == "error: --flips vertical: unknown (use horizontal or all)"
    with pytest.raises(InputError):
        flips.check("none")
