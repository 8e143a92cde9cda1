"""Linear -> GELU -> Linear whose backward keeps only its input (hidden activations recomputed)."""

from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

__all__ = ["gelu_mlp"]


def _hidden(workspace, name: str, rows: int, width: int, like: torch.Tensor) -> torch.Tensor | None:
    """A ``[rows, width]`` scratch buffer from ``workspace``, or None (let the op allocate)."""
    return None if workspace is None else workspace.take(name, rows, width, like)


def _linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, out: torch.Tensor | None) -> torch.Tensor:
    """``x @ weight.T + bias`` for 2-D ``x``, into ``out`` when given."""
    if out is None:
        return torch.addmm(bias, x, weight.T)
    return torch.addmm(bias, x, weight.T, out=out)


class _GeluMLP(torch.autograd.Function):
    """Autograd would keep both the pre-activation and the GELU output (each rows × hidden, four
    times the input's width); both are recomputed in backward instead, from the input (one
    extra GEMM of the first layer, a small share of the block's backward). The rows × hidden
    temporaries go to the workspace when one is given: the same buffers for every block,
    forward and backward (each is a fresh mapping, page-faulted in, otherwise)."""

    @staticmethod
    def forward(ctx, x, weight1, bias1, weight2, bias2, dtype, workspace):
        ctx.save_for_backward(x, weight1, bias1, weight2)
        ctx.dtype, ctx.workspace, ctx.bias2_dtype = dtype, workspace, bias2.dtype
        with torch.autocast(x.device.type, enabled=False):  # explicit dtypes (and out= buffers)
            return _GeluMLP._forward(x, weight1, bias1, weight2, bias2, dtype, workspace)

    @staticmethod
    def _forward(x, weight1, bias1, weight2, bias2, dtype, workspace):
        rows = x.reshape(-1, x.shape[-1]).to(dtype)
        w1, b1, w2, b2 = (t.to(dtype) for t in (weight1, bias1, weight2, bias2))
        pre = _linear(rows, w1, b1, _hidden(workspace, "mlp_pre", rows.shape[0], w1.shape[0], rows))
        hidden = torch.nn.functional.gelu(pre) if workspace is None else torch._C._nn.gelu(
            pre, out=workspace.take("mlp_hidden", rows.shape[0], w1.shape[0], rows))
        return torch.addmm(b2, hidden, w2.T).view(*x.shape[:-1], w2.shape[0])

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        with torch.autocast(grad.device.type, enabled=False):
            return _GeluMLP._backward(ctx, grad)

    @staticmethod
    def _backward(ctx, grad):
        x, weight1, bias1, weight2 = ctx.saved_tensors
        dtype, workspace = ctx.dtype, ctx.workspace
        rows = x.reshape(-1, x.shape[-1]).to(dtype)
        w1, b1, w2 = (t.to(dtype) for t in (weight1, bias1, weight2))
        count, width = rows.shape[0], w1.shape[0]
        grad_rows = grad.reshape(-1, grad.shape[-1]).to(dtype)
        pre = _linear(rows, w1, b1, _hidden(workspace, "mlp_pre", count, width, rows))  # recomputed
        hidden = torch.nn.functional.gelu(pre) if workspace is None else torch._C._nn.gelu(
            pre, out=workspace.take("mlp_hidden", count, width, rows))
        grad_weight2, grad_bias2 = grad_rows.T @ hidden, grad_rows.sum(0)
        # hidden is consumed: its buffer takes the hidden gradient
        grad_hidden = (grad_rows @ w2 if workspace is None
                       else torch.mm(grad_rows, w2, out=workspace.take("mlp_hidden", count, width, rows)))
        grad_pre = torch.ops.aten.gelu_backward(grad_hidden, pre)
        grad_weight1, grad_bias1 = grad_pre.T @ rows, grad_pre.sum(0)
        grad_x = (grad_pre @ w1).view(*x.shape[:-1], x.shape[-1])
        return (grad_x.to(x.dtype), grad_weight1.to(weight1.dtype), grad_bias1.to(bias1.dtype),
                grad_weight2.to(weight2.dtype), grad_bias2.to(ctx.bias2_dtype), None, None)


def gelu_mlp(x: torch.Tensor, first: torch.nn.Linear, second: torch.nn.Linear, *,
             dtype: torch.dtype | None = None, workspace=None) -> torch.Tensor:
    """second(GELU(first(x))), storing only ``x`` for backward (first derivatives only).

    Args:
        dtype: precision of the products (e.g. ``torch.bfloat16``; inputs, weights and
            activations rounded to it, GEMMs accumulated in float32); None = the autocast dtype
            under autocast, else ``x``'s. The output is in this dtype, the gradients in their
            inputs' dtypes.
        workspace: a :class:`~geogen.nn.ponita.kernel_messages.Workspace` for the rows × hidden
            temporaries (shared by all blocks of a forward pass), or None.

    Shapes:
        x: [..., D]; output: [..., second.out_features]
    """
    device = x.device.type
    if dtype is None:
        dtype = torch.get_autocast_dtype(device) if torch.is_autocast_enabled(device) else x.dtype
    return _GeluMLP.apply(x, first.weight, first.bias, second.weight, second.bias, dtype, workspace)
