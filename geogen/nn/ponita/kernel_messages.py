"""Σ_j k(x_j - x_i, o) ⊙ f_j(o) with k = basis @ W, reusing each pair's kernel for both directions."""

from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

from geogen.nn.ponita.edges import PairEdges

__all__ = ["spatial_messages"]


def spatial_messages(x: torch.Tensor, basis: torch.Tensor, weight: torch.Tensor, edges: PairEdges,
                     sigma: torch.Tensor | None, edge_chunk_size: int | None = None) -> torch.Tensor:
    """Depth-wise spatial convolution on the fibre bundle (or on R³ when O = 1).

    For a canonical edge j -> i the kernel is k = basis[e] @ W; its reversed edge i -> j uses
    k[sigma] (sigma = antipodal permutation of the grid, since oᵀ(x_i - x_j) = (-o)ᵀ(x_j - x_i)).

    Args:
        x: node features on the grid.
        basis: sampled basis per canonical edge and orientation (cutoff applied).
        weight: per-channel kernel weights.
        edges: canonical edges; reversed edges require ``sigma``.
        sigma: antipodal permutation of the orientation axis.
        edge_chunk_size: None = plain autograd (keeps E·O·C kernels per layer); int = chunked,
            kernels recomputed in backward (first derivatives only).

    Shapes:
        x: [N, O, C]; basis: [E, O, K]; weight: [K, C]; sigma: [O]; output: [N, O, C]
    """
    reverse = torch.nonzero(edges.has_reverse).squeeze(-1)  # [E_rev]
    if reverse.numel() and sigma is None:
        raise ValueError("reversed edges need an antipodal grid; call edges.expanded() first")
    if edge_chunk_size is None:
        return _messages(x, basis @ weight, edges.src, edges.dst, reverse, sigma)
    return _ChunkedMessages.apply(x, basis, weight, edges.src, edges.dst, edges.has_reverse, sigma, edge_chunk_size)


def _messages(x, kernel, src, dst, reverse, sigma, out=None):
    """Scatter-add kernel ⊙ x[src] into dst, plus the reversed edges (kernel[:, sigma] ⊙ x[dst] into src)."""
    out = torch.zeros_like(x) if out is None else out
    out.index_add_(0, dst, kernel * x[src])  # [E, O, C] -> [N, O, C]
    if reverse.numel():
        reversed_kernel = kernel[reverse][:, sigma]  # [E_rev, O, C]
        out.index_add_(0, src[reverse], reversed_kernel * x[dst[reverse]])
    return out


class _ChunkedMessages(torch.autograd.Function):
    """Memory-light version of ``_messages(x, basis @ W, ...)``: nothing of size E·O·C is stored."""

    @staticmethod
    def forward(ctx, x, basis, weight, src, dst, has_reverse, sigma, chunk):
        out = torch.zeros_like(x)
        for start in range(0, src.numel(), chunk):
            part = slice(start, start + chunk)
            reverse = torch.nonzero(has_reverse[part]).squeeze(-1)
            _messages(x, basis[part] @ weight, src[part], dst[part], reverse, sigma, out=out)
        ctx.save_for_backward(x, basis, weight, src, dst, has_reverse, sigma)
        ctx.chunk = chunk
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out):
        x, basis, weight, src, dst, has_reverse, sigma = ctx.saved_tensors
        grad_x, grad_weight = torch.zeros_like(x), torch.zeros_like(weight)
        grad_basis = torch.empty_like(basis) if ctx.needs_input_grad[1] else None
        for start in range(0, src.numel(), ctx.chunk):
            part = slice(start, start + ctx.chunk)
            s, d = src[part], dst[part]
            kernel = basis[part] @ weight  # [e, O, C], recomputed
            grad_msg = grad_out[d]  # [e, O, C]
            grad_x.index_add_(0, s, grad_msg * kernel)
            grad_kernel = grad_msg * x[s]
            reverse = torch.nonzero(has_reverse[part]).squeeze(-1)
            if reverse.numel():
                s_rev, d_rev = d[reverse], s[reverse]  # reversed edge: d -> s
                grad_rev = grad_out[d_rev]  # [e_rev, O, C]
                grad_x.index_add_(0, s_rev, grad_rev * kernel[reverse][:, sigma])
                # d/dkernel of kernel[:, sigma]: scatter back through the permutation (an involution)
                grad_kernel.index_add_(0, reverse, (grad_rev * x[s_rev])[:, sigma])
            flat = grad_kernel.reshape(-1, grad_kernel.shape[-1])  # [e*O, C]
            grad_weight += basis[part].reshape(-1, basis.shape[-1]).T @ flat
            if grad_basis is not None:
                grad_basis[part] = grad_kernel @ weight.T
        return grad_x, grad_basis, grad_weight, None, None, None, None, None
