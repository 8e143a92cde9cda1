"""ELU as one compiled, vectorised kernel on large CPU tensors (GDSS's MLP activation).

GDSS's MLPs apply ELU to every node pair of every adjacency channel: ~0.6-1.6 M elements per
call in a QM9 batch of 1,000 graphs, ten calls per ScoreNetworkA forward. PyTorch's eager CPU ELU
evaluates its ``exp`` at ~0.7 ns per element; the compiled kernel is several times faster. The
backward is PyTorch's ``elu_backward`` evaluated from the output (``d elu / dx = y + 1`` for
``y <= 0``), which needs no ``exp``; an all-compiled backward was slower at 2 threads
(docs/design.md).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from geogen.nn.compiled_kernels import CompiledKernels, default_kernels

__all__ = ["ELU", "COMPILED_MIN_NUMEL"]

# Below this many elements the eager kernel is fast enough and compiling (seconds, once per
# process; ~10 s on a machine without inductor's disk cache) would not pay off: tests, single
# molecules, small batches. The README's main job (100 QM9 molecules: at most [100, 36, 44] =
# 158k elements per call, ~30 ms of eager ELU in all) stays eager; batches of 1,000 molecules
# ([1000, 36, 16] = 576k and up) and training batches compile.
COMPILED_MIN_NUMEL = 1 << 19


def _elu(x: Tensor) -> Tensor:
    return F.elu(x)


def _compiled_elu(x: Tensor, kernels: CompiledKernels) -> Tensor:
    return kernels.run("elu", _elu, x.contiguous().view(-1), dynamic=True).view(x.shape)


class _ELUFromOutput(torch.autograd.Function):
    """Compiled forward; the backward uses the saved output only (no ``exp``, input not kept)."""

    @staticmethod
    def forward(ctx, x: Tensor, kernels: CompiledKernels) -> Tensor:
        out = _compiled_elu(x, kernels)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad: Tensor):
        (out,) = ctx.saved_tensors
        # alpha = scale = input_scale = 1, is_result=True: grad where out > 0, grad * (out + 1) elsewhere
        return torch.ops.aten.elu_backward(grad, 1.0, 1, 1, True, out), None


class ELU(nn.Module):
    """``elu(x) = x if x > 0 else exp(x) - 1`` (alpha = 1), compiled for large CPU inputs.

    Args:
        kernels: the compiled-kernel registry (default: the process-wide one).

    PyTorch's own ELU runs below :data:`COMPILED_MIN_NUMEL` elements, off the CPU, and once
    compiling has failed.

    Shapes:
        any -> same.
    """

    def __init__(self, kernels: CompiledKernels | None = None) -> None:
        super().__init__()
        self._kernels = kernels

    def forward(self, x: Tensor) -> Tensor:
        kernels = self._kernels if self._kernels is not None else default_kernels()
        if x.device.type != "cpu" or x.numel() < COMPILED_MIN_NUMEL or not kernels.enabled:
            return F.elu(x)
        if torch.is_grad_enabled() and x.requires_grad:
            return _ELUFromOutput.apply(x, kernels)
        return _compiled_elu(x, kernels)
