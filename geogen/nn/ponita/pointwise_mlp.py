"""Linear -> GELU -> Linear whose backward keeps only its input (hidden activations recomputed)."""

from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

from geogen.nn.ponita.kernel_messages import Workspace

__all__ = ["gelu_mlp"]


# rows per block of the workspace path: rows x hidden activations of at most 4 Mi elements
_BLOCK_ELEMENTS = 1 << 22


class _GeluMLP(torch.autograd.Function):
    """Autograd would keep both the pre-activation and the GELU output (each rows × hidden, four
    times the input's width); both are recomputed in backward instead, from the input (one
    extra GEMM of the first layer, a small share of the block's backward). The rows are
    processed in blocks whose rows × hidden temporaries live in the workspace: the same ~16 MB
    buffers for every block, forward and backward (fresh allocations above glibc's mmap
    threshold would be fresh mappings, page-faulted in each time)."""

    @staticmethod
    def forward(ctx, x, weight1, bias1, weight2, bias2, dtype, workspace):
        ctx.save_for_backward(x, weight1, bias1, weight2)
        ctx.dtype, ctx.workspace, ctx.bias2_dtype = dtype, workspace, bias2.dtype
        with torch.autocast(x.device.type, enabled=False):  # explicit dtypes (and out= buffers)
            rows = x.reshape(-1, x.shape[-1]).to(dtype)
            w1, b1, w2, b2 = (t.to(dtype) for t in (weight1, bias1, weight2, bias2))
            out = rows.new_empty(rows.shape[0], w2.shape[0])
            for block, pre, hidden in _blocks(rows, w1, b1, workspace):
                torch.addmm(b2, hidden, w2.T, out=out[block])
        return out.view(*x.shape[:-1], w2.shape[0])

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
        grad_rows = grad.reshape(-1, grad.shape[-1]).to(dtype)
        accumulate = torch.promote_types(dtype, weight1.dtype)  # float32 sums of bf16 products
        grad_weight1 = torch.zeros(weight1.shape, dtype=accumulate, device=x.device)
        grad_weight2 = torch.zeros(weight2.shape, dtype=accumulate, device=x.device)
        grad_bias1 = torch.zeros(bias1.shape, dtype=accumulate, device=x.device)
        grad_x = torch.empty_like(rows)
        for block, pre, hidden in _blocks(rows, w1, b1, workspace):  # recomputed
            g = grad_rows[block]
            grad_weight2 += g.T @ hidden
            # hidden is consumed: its buffer takes the hidden gradient, then the pre-activation's
            grad_hidden = torch.mm(g, w2, out=hidden)
            grad_pre = torch.ops.aten.gelu_backward.grad_input(
                grad_hidden, pre, grad_input=workspace.take("mlp_grad", pre.shape[0], pre.shape[1], pre))
            grad_weight1 += grad_pre.T @ rows[block]
            grad_bias1 += grad_pre.sum(0)
            torch.mm(grad_pre, w1, out=grad_x[block])
        grad_bias2 = grad_rows.sum(0)
        grad_x = grad_x.view(*x.shape[:-1], x.shape[-1])
        return (grad_x.to(x.dtype), grad_weight1.to(weight1.dtype), grad_bias1.to(bias1.dtype),
                grad_weight2.to(weight2.dtype), grad_bias2.to(ctx.bias2_dtype), None, None)


def _blocks(rows: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, workspace):
    """``(slice, pre, GELU(pre))`` per row block, ``pre = rows[slice] @ weight.T + bias``, both
    in workspace buffers (overwritten by the next block)."""
    width = weight.shape[0]
    size = max(1, _BLOCK_ELEMENTS // width)
    for start in range(0, rows.shape[0], size):
        block = slice(start, start + size)
        part = rows[block]
        pre = torch.addmm(bias, part, weight.T, out=workspace.take("mlp_pre", part.shape[0], width, rows))
        hidden = torch._C._nn.gelu(pre, out=workspace.take("mlp_hidden", part.shape[0], width, rows))
        yield block, pre, hidden


def gelu_mlp(x: torch.Tensor, first: torch.nn.Linear, second: torch.nn.Linear, *,
             dtype: torch.dtype | None = None, workspace=None) -> torch.Tensor:
    """second(GELU(first(x))), storing only ``x`` for backward (first derivatives only).

    Args:
        dtype: precision of the products (e.g. ``torch.bfloat16``; inputs, weights and
            activations rounded to it, GEMMs accumulated in float32); None = the autocast dtype
            under autocast, else ``x``'s. The output is in this dtype, the gradients in their
            inputs' dtypes.
        workspace: a :class:`~geogen.nn.ponita.kernel_messages.Workspace` for the rows × hidden
            temporaries (shared by all blocks of a forward pass); None = buffers of this call only.

    Shapes:
        x: [..., D]; output: [..., second.out_features]
    """
    device = x.device.type
    workspace = Workspace() if workspace is None else workspace  # this call's own buffers
    if dtype is None:
        dtype = torch.get_autocast_dtype(device) if torch.is_autocast_enabled(device) else x.dtype
    return _GeluMLP.apply(x, first.weight, first.bias, second.weight, second.bias, dtype, workspace)
