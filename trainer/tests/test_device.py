import pytest
import torch

from pomona_trainer.device import resolve_device
from pomona_trainer.errors import InputError


def test_auto_is_cpu_without_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device("cpu") == torch.device("cpu")


def test_auto_takes_cuda_when_present(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert resolve_device("auto") == torch.device("cuda")
    assert resolve_device("cuda:0") == torch.device("cuda:0")
    with pytest.raises(InputError, match="cuda:3"):
        resolve_device("cuda:3")


def test_cuda_without_cuda_and_unknown_names_are_input_errors(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(InputError, match="--device cuda: CUDA is not available"):
        resolve_device("cuda")
    with pytest.raises(InputError, match="--device tpu"):
        resolve_device("tpu")
