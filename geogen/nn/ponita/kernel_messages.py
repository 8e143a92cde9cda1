"""Σ_j k(x_j - x_i, o) ⊙ f_j(o) with k = basis @ W, reusing each pair's kernel for both directions."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.autograd.function import once_differentiable

from geogen.nn.ponita.edges import PairEdges

__all__ = ["MessagePlan", "spatial_messages"]


@dataclass
class MessagePlan:
    """Index tensors for one forward pass (built once, shared by all layers).

    Gathers and scatters use ``gather``/``scatter_add`` with expanded indices: on CPU these are
    vectorised and parallel, while ``index_add_`` (also the backward of ``index_select``) is not.

    Shapes:
        src, dst: [M] message edges (canonical, then reversed); kernel_row: [M * O] rows of the
        flattened canonical kernel [E * O, C] feeding each message (None = identity, no reversal)
    """

    src: torch.Tensor
    dst: torch.Tensor
    kernel_row: torch.Tensor | None
    num_canonical: int

    @classmethod
    def build(cls, edges: PairEdges, sigma: torch.Tensor | None, num_ori: int) -> "MessagePlan":
        reverse = torch.nonzero(edges.has_reverse).squeeze(-1)  # [E_rev]
        if not reverse.numel():
            return cls(edges.src, edges.dst, None, edges.src.numel())
        if sigma is None:
            raise ValueError("reversed edges need an antipodal grid; call edges.expanded() first")
        ori = torch.arange(num_ori, device=sigma.device)
        rows = torch.cat([(torch.arange(edges.src.numel(), device=sigma.device)[:, None] * num_ori + ori).flatten(),
                          (reverse[:, None] * num_ori + sigma).flatten()])  # [M * O]
        src = torch.cat([edges.src, edges.dst[reverse]])
        dst = torch.cat([edges.dst, edges.src[reverse]])
        return cls(src, dst, rows, edges.src.numel())


def _gather_rows(table: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """table[index] for a 2-D table (backward = scatter_add). Shapes: [R, D], [M] -> [M, D]."""
    return table.gather(0, index[:, None].expand(-1, table.shape[1]))


def _scatter_rows(values: torch.Tensor, index: torch.Tensor, num_rows: int) -> torch.Tensor:
    """Row sums of ``values`` grouped by ``index``. Shapes: [M, D], [M] -> [num_rows, D]."""
    out = values.new_zeros(num_rows, values.shape[1])
    return out.scatter_add(0, index[:, None].expand(-1, values.shape[1]), values)


def _messages(x: torch.Tensor, kernel: torch.Tensor, plan: MessagePlan) -> torch.Tensor:
    num_nodes, num_ori, channels = x.shape
    flat = kernel.reshape(-1, channels)  # [E * O, C]
    if plan.kernel_row is not None:
        flat = _gather_rows(flat, plan.kernel_row)  # [M * O, C]
    features = _gather_rows(x.reshape(num_nodes, -1), plan.src)  # [M, O * C]
    messages = flat.reshape(features.shape) * features
    return _scatter_rows(messages, plan.dst, num_nodes).view(num_nodes, num_ori, channels)


def spatial_messages(x: torch.Tensor, basis: torch.Tensor, weight: torch.Tensor, plan: MessagePlan,
                     edge_chunk_size: int | None = None) -> torch.Tensor:
    """Depth-wise spatial convolution on the fibre bundle (or on R³ when O = 1).

    For a canonical edge j -> i the kernel is k = basis[e] @ W; its reversed edge i -> j uses
    k[sigma] (sigma = antipodal permutation of the grid, since oᵀ(x_i - x_j) = (-o)ᵀ(x_j - x_i)).

    Args:
        x: node features on the grid.
        basis: sampled basis per canonical edge and orientation (cutoff applied).
        weight: per-channel kernel weights.
        plan: message indices from :meth:`MessagePlan.build`.
        edge_chunk_size: None = plain autograd (keeps E·O·C kernels per layer); int = canonical
            edges per chunk, kernels recomputed in backward (first derivatives only).

    Shapes:
        x: [N, O, C]; basis: [E, O, K]; weight: [K, C]; output: [N, O, C]
    """
    if edge_chunk_size is None:
        return _messages(x, basis @ weight, plan)
    return _ChunkedMessages.apply(x, basis, weight, plan, edge_chunk_size)


def _chunk_plans(plan: MessagePlan, num_ori: int, chunk: int):
    """Split a plan by canonical edge ranges: yields (edge slice, plan local to that slice)."""
    if plan.kernel_row is None:
        for start in range(0, plan.num_canonical, chunk):
            part = slice(start, start + chunk)
            yield part, MessagePlan(plan.src[part], plan.dst[part], None, plan.src[part].numel())
        return
    owner = plan.kernel_row.view(-1, num_ori)[:, 0] // num_ori  # canonical edge of each message, [M]
    for start in range(0, plan.num_canonical, chunk):
        stop = min(start + chunk, plan.num_canonical)
        mine = torch.nonzero((owner >= start) & (owner < stop)).squeeze(-1)
        rows = plan.kernel_row.view(-1, num_ori)[mine].flatten() - start * num_ori
        yield slice(start, stop), MessagePlan(plan.src[mine], plan.dst[mine], rows, stop - start)


class _ChunkedMessages(torch.autograd.Function):
    """Memory-light ``_messages(x, basis @ W, plan)``: nothing of size E·O·C is kept."""

    @staticmethod
    def forward(ctx, x, basis, weight, plan, chunk):
        out = torch.zeros_like(x)
        for part, local in _chunk_plans(plan, x.shape[1], chunk):
            out += _messages(x, basis[part] @ weight, local)
        ctx.save_for_backward(x, basis, weight)
        ctx.plan, ctx.chunk = plan, chunk
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out):
        saved = ctx.saved_tensors
        # under autocast the inputs may mix float32 and bfloat16: compute in one dtype, and
        # return every gradient in its input's dtype
        common = torch.promote_types(torch.promote_types(saved[0].dtype, saved[1].dtype),
                                     torch.promote_types(saved[2].dtype, grad_out.dtype))
        x, basis, weight = (t.to(common) for t in saved)
        grad_out = grad_out.to(common)
        num_nodes, num_ori, channels = x.shape
        grad_x, grad_weight = torch.zeros_like(x), torch.zeros_like(weight)
        grad_basis = torch.empty_like(basis) if ctx.needs_input_grad[1] else None
        for part, local in _chunk_plans(ctx.plan, num_ori, ctx.chunk):
            kernel = (basis[part] @ weight).reshape(-1, channels)  # [e * O, C], recomputed
            rows = kernel if local.kernel_row is None else _gather_rows(kernel, local.kernel_row)
            grad_msg = _gather_rows(grad_out.reshape(num_nodes, -1), local.dst)  # [m, O * C]
            feats = _gather_rows(x.reshape(num_nodes, -1), local.src)
            grad_x += _scatter_rows(grad_msg * rows.reshape(grad_msg.shape), local.src, num_nodes).view_as(x)
            grad_rows = (grad_msg * feats).reshape(-1, channels)  # [m * O, C]
            if local.kernel_row is not None:
                grad_rows = _scatter_rows(grad_rows, local.kernel_row, kernel.shape[0])
            grad_weight += basis[part].reshape(-1, basis.shape[-1]).T @ grad_rows
            if grad_basis is not None:
                grad_basis[part] = (grad_rows @ weight.T).view_as(basis[part])
        if grad_basis is not None:
            grad_basis = grad_basis.to(saved[1].dtype)
        return grad_x.to(saved[0].dtype), grad_basis, grad_weight.to(saved[2].dtype), None, None
