"""Linear -> GELU -> Linear whose backward keeps only its input (hidden activations recomputed)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.autograd.function import once_differentiable

__all__ = ["gelu_mlp"]


class _GeluMLP(torch.autograd.Function):
    """Autograd would keep both the pre-activation and the GELU output (each rows × hidden, four
    times the input's width); both are recomputed in backward instead, from the input (one
    extra GEMM of the first layer, a small share of the block's backward)."""

    @staticmethod
    def forward(ctx, x, weight1, bias1, weight2, bias2):
        ctx.save_for_backward(x, weight1, bias1, weight2)
        device = x.device.type
        ctx.autocast = (device, torch.get_autocast_dtype(device), torch.is_autocast_enabled(device))
        return F.linear(F.gelu(F.linear(x, weight1, bias1)), weight2, bias2)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        x, weight1, bias1, weight2 = ctx.saved_tensors
        device, dtype, enabled = ctx.autocast
        with torch.autocast(device, dtype=dtype, enabled=enabled):  # the forward's precision
            x_rows = x.reshape(-1, x.shape[-1])
            pre_rows = F.linear(x_rows, weight1, bias1)
            grad_rows = grad.reshape(-1, grad.shape[-1])
            hidden = F.gelu(pre_rows)
            grad_weight2, grad_bias2 = grad_rows.T @ hidden, grad_rows.sum(0)
            grad_hidden = grad_rows @ weight2
            grad_pre = torch.ops.aten.gelu_backward(grad_hidden.to(pre_rows.dtype), pre_rows)
            grad_weight1, grad_bias1 = grad_pre.T @ x_rows, grad_pre.sum(0)
            grad_x = (grad_pre @ weight1).view(*x.shape[:-1], x.shape[-1])
        return grad_x, grad_weight1, grad_bias1, grad_weight2, grad_bias2


def gelu_mlp(x: torch.Tensor, first: torch.nn.Linear, second: torch.nn.Linear) -> torch.Tensor:
    """second(GELU(first(x))), storing only ``x`` for backward (first derivatives only).

    Shapes:
        x: [..., D]; output: [..., second.out_features]
    """
    return _GeluMLP.apply(x, first.weight, first.bias, second.weight, second.bias)
