"""ELU for inference: one compiled, vectorised kernel on large CPU tensors (GDSS's MLP activation).

GDSS's MLPs apply ELU to every node pair of every adjacency channel: ~0.6-1.6 M elements per
call in a QM9 batch of 1,000 graphs, ten calls per ScoreNetworkA forward. PyTorch's eager CPU ELU
evaluates its ``exp`` at ~0.7 ns per element; the compiled kernel is several times faster. That
pays in sampling, where only forwards run. With gradients the eager pair (ELU, ELU backward)
stays: the compiled version made the 2-thread training step slower (docs/design.md).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from geogen.nn.compiled_kernels import CompiledKernels, default_kernels

__all__ = ["ELU", "COMPILED_MIN_NUMEL"]

# Below this many elements the eager kernel is fast enough and compiling (seconds, once per
# process) would not pay off: tests, single molecules, small batches.
COMPILED_MIN_NUMEL = 1 << 16


def _elu(x: Tensor) -> Tensor:
    return F.elu(x)


class ELU(nn.Module):
    """``elu(x) = x if x > 0 else exp(x) - 1`` (alpha = 1); compiled for large CPU inputs without grad.

    Args:
        kernels: the compiled-kernel registry (default: the process-wide one).

    PyTorch's own ELU runs when autograd records the call, below :data:`COMPILED_MIN_NUMEL`
    elements, off the CPU, and once compiling has failed.

    Shapes:
        any -> same.
    """

    def __init__(self, kernels: CompiledKernels | None = None) -> None:
        super().__init__()
        self._kernels = kernels

    def forward(self, x: Tensor) -> Tensor:
        kernels = self._kernels if self._kernels is not None else default_kernels()
        if (x.device.type != "cpu" or x.numel() < COMPILED_MIN_NUMEL or not kernels.enabled
                or (torch.is_grad_enabled() and x.requires_grad)):
            return F.elu(x)
        return kernels.run("elu", _elu, x.contiguous().view(-1), dynamic=True).view(x.shape)
