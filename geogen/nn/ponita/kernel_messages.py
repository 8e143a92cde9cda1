"""Σ_j k(x_j - x_i, o) ⊙ f_j(o) with k = basis @ W: each pair's kernel serves both directions,
and the self-loop kernel is one shared vector."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch.autograd.function import once_differentiable

from geogen.nn.ponita.edges import PairEdges

__all__ = ["MessagePlan", "BasisGradient", "spatial_messages"]


@dataclass
class BasisGradient:
    """One gradient buffer for the basis shared by all memory-light layers of a forward pass.

    Every layer uses the same basis; autograd would give each layer's backward its own
    [E, O, K] gradient and sum them (two such tensors alive at once). Instead the layers add
    into one buffer, and the layer that ran first in forward — whose backward runs last —
    hands the sum to autograd. Forwards without autograd do not register. At the end of every
    backward pass (an autograd engine callback) the buffer and the count are reset, so a
    partial backward (e.g. ``autograd.grad`` of one layer's weight) leaves nothing behind, and
    layers recomputed by reentrant checkpointing (each segment its own backward pass, the
    first recomputed layer registering as 0) hand back their own sums.
    """

    buffer: torch.Tensor | None = None
    layers: int = 0

    def register(self) -> int:
        """Forward-order index of a new layer (-1 when autograd is off)."""
        if not torch.is_grad_enabled():
            return -1
        self.layers += 1
        return self.layers - 1

    def reset(self) -> None:
        self.buffer, self.layers = None, 0


class Workspace:
    """Reusable flat buffers for per-chunk temporaries, keyed by name (grown when too small).

    Each chunk of each layer would otherwise allocate its own [e, O * C] temporaries; above
    glibc's mmap threshold (32 MB at most) every such allocation is a fresh mapping whose pages
    are faulted in and zeroed again (QM9-size batch: ~4 GB of page faults per step).
    """

    def __init__(self) -> None:
        self._buffers: dict[str, torch.Tensor] = {}

    def take(self, name: str, rows: int, width: int, like: torch.Tensor) -> torch.Tensor:
        """A ``[rows, width]`` view of buffer ``name`` with ``like``'s dtype and device (contents undefined)."""
        size = rows * width
        buffer = self._buffers.get(name)
        if buffer is None or buffer.numel() < size or buffer.dtype != like.dtype or buffer.device != like.device:
            buffer = torch.empty(size, dtype=like.dtype, device=like.device)
            self._buffers[name] = buffer
        return buffer[:size].view(rows, width)

    def clear(self) -> None:
        self._buffers.clear()


@dataclass
class MessagePlan:
    """Index tensors for one forward pass (built once, shared by all layers).

    A reversed edge d -> s of a listed pair s -> d uses the kernel at the antipodal orientation:
    k_rev(o) = k(sigma(o)). Rather than gathering permuted kernel rows, the reversed messages are
    computed in the permuted frame, Σ_d k(o') f_d(sigma(o')) scattered to s, and the result is
    permuted back (sigma is an involution) — the kernel is read in place for both directions.
    Gathers and scatters use ``gather``/``scatter_add`` with expanded indices: on CPU these are
    vectorised and parallel, while ``index_add_`` (also the backward of ``index_select``) is not.

    Shapes:
        src, dst: [E] listed edges; sigma: [O] or None (no reversed messages); loops: [L]
    """

    src: torch.Tensor
    dst: torch.Tensor
    sigma: torch.Tensor | None
    loops: torch.Tensor
    loops_everywhere: bool
    basis_gradient: BasisGradient = field(default_factory=BasisGradient)
    workspace: "Workspace" = field(default_factory=lambda: Workspace())
    _cleanup_queued: bool = False

    def after_backward(self) -> None:
        """From inside a backward: free the scratch buffers and reset the basis gradient once the
        current backward pass has ended (once per pass)."""
        if self._cleanup_queued:
            return
        self._cleanup_queued = True

        def cleanup() -> None:
            self.workspace.clear()
            self.basis_gradient.reset()
            self._cleanup_queued = False

        torch.autograd.Variable._execution_engine.queue_callback(cleanup)

    @classmethod
    def build(cls, edges: PairEdges, sigma: torch.Tensor | None, num_nodes: int) -> "MessagePlan":
        if edges.symmetric and sigma is None:
            raise ValueError("reversed edges need an antipodal grid; call edges.expanded() first")
        loops = edges.loops
        everywhere = loops.numel() == num_nodes and bool(
            (loops == torch.arange(num_nodes, device=loops.device)).all())
        return cls(edges.src, edges.dst, sigma if edges.symmetric else None, loops, everywhere)


def _gather_rows(table: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """table[index] for a 2-D table (backward = scatter_add). Shapes: [R, D], [M] -> [M, D]."""
    return table.gather(0, index[:, None].expand(-1, table.shape[1]))


def _scatter_rows(values: torch.Tensor, index: torch.Tensor, num_rows: int) -> torch.Tensor:
    """Row sums of ``values`` grouped by ``index``. Shapes: [M, D], [M] -> [num_rows, D]."""
    out = values.new_zeros(num_rows, values.shape[1])
    return out.scatter_add(0, index[:, None].expand(-1, values.shape[1]), values)


class _PermuteOrientations(torch.autograd.Function):
    """``x[:, sigma]``, whose backward is the inverse permutation (a gather): autograd's own
    backward of advanced indexing is an accumulating ``index_put``, several times slower."""

    @staticmethod
    def forward(ctx, x, sigma):
        ctx.save_for_backward(sigma)
        return x.index_select(1, sigma)

    @staticmethod
    def backward(ctx, grad):
        (sigma,) = ctx.saved_tensors
        return _PermuteOrientations.apply(grad, torch.argsort(sigma)), None


def _permute(flat: torch.Tensor, sigma: torch.Tensor, num_ori: int) -> torch.Tensor:
    """Orientation permutation of flattened node features. Shapes: [N, O * C] -> [N, O * C]."""
    return _PermuteOrientations.apply(flat.view(flat.shape[0], num_ori, -1), sigma).reshape(flat.shape)


def _pair_messages(x: torch.Tensor, kernel: torch.Tensor, plan: MessagePlan) -> torch.Tensor:
    """Plain-autograd messages over the listed edges and their reverses: the reference the
    explicit-backward function is tested against (and differentiable more than once).
    Shapes: x [N, O, C], kernel [E, O, C] -> [N, O, C]."""
    num_nodes, num_ori, channels = x.shape
    flat, rows = x.reshape(num_nodes, -1), kernel.reshape(kernel.shape[0], -1)
    out = _scatter_rows(rows * _gather_rows(flat, plan.src), plan.dst, num_nodes)
    if plan.sigma is not None:
        permuted = _permute(flat, plan.sigma, num_ori)
        reverse = _scatter_rows(rows * _gather_rows(permuted, plan.dst), plan.src, num_nodes)
        out = out + _permute(reverse, plan.sigma, num_ori)
    return out.view(num_nodes, num_ori, channels)


def _loop_messages(x: torch.Tensor, kernel: torch.Tensor, plan: MessagePlan) -> torch.Tensor:
    """k_loop ⊙ f_i at every self-loop. Shapes: x [N, O, C], kernel [C] -> [N, O, C]."""
    if plan.loops_everywhere:
        return x * kernel
    out = x.new_zeros(x.shape[0], x.shape[1] * x.shape[2])
    values = (x.reshape(x.shape[0], -1)[plan.loops].view(-1, x.shape[1], x.shape[2]) * kernel).flatten(1)
    return out.index_add(0, plan.loops, values).view_as(x)


def spatial_messages(x: torch.Tensor, basis: torch.Tensor, loop_basis: torch.Tensor | None, weight: torch.Tensor,
                     plan: MessagePlan, edge_chunk_size: int | None = None,
                     kernel_dtype: torch.dtype | None = None) -> torch.Tensor:
    """Depth-wise spatial convolution on the fibre bundle (or on R³ when O = 1).

    For a listed edge j -> i the kernel is k = basis[e] @ W; its reversed edge i -> j uses
    k[sigma] (sigma = antipodal permutation of the grid, since oᵀ(x_i - x_j) = (-o)ᵀ(x_j - x_i));
    self-loops use loop_basis @ W (the basis at rel = 0, the same for every orientation).

    Args:
        x: node features on the grid.
        basis: sampled basis per listed edge and orientation (cutoff applied).
        loop_basis: basis of a self-loop (None when the plan has no loops).
        weight: per-channel kernel weights.
        plan: message indices from :meth:`MessagePlan.build`.
        edge_chunk_size: None = all edges at once, the kernels kept for backward (E·O·C per
            layer); int = listed edges per chunk, kernels recomputed in backward. Both run as one
            autograd function with in-place products and one basis-gradient buffer shared by the
            layers (first derivatives only; ``_pair_messages`` is the plain-autograd reference).
        kernel_dtype: precision of the kernel GEMMs ``basis @ W`` and their two gradients (e.g.
            bfloat16: operands rounded to it, products accumulated in float32); messages and sums
            stay in ``x``'s dtype. None = ``x``'s.

    Shapes:
        x: [N, O, C]; basis: [E, O, K]; loop_basis: [K]; weight: [K, C]; output: [N, O, C]
    """
    layer = plan.basis_gradient.register()  # here: inside Function.forward autograd is always off
    if edge_chunk_size is None:
        out = _ChunkedMessages.apply(x, basis, weight, plan, max(plan.src.numel(), 1), kernel_dtype, True, layer)
    else:
        out = _ChunkedMessages.apply(x, basis, weight, plan, edge_chunk_size, kernel_dtype, False, layer)
    if loop_basis is not None and plan.loops.numel():
        out = out + _loop_messages(x, loop_basis @ weight, plan)
    return out


def _expand(index: torch.Tensor, width: int) -> torch.Tensor:
    return index[:, None].expand(-1, width)


class _ChunkedMessages(torch.autograd.Function):
    """``_pair_messages(x, basis @ W, plan)`` with an explicit backward: ``keep`` saves the kernel
    rows for backward (one chunk of all edges: the fast path); otherwise nothing of size E·O·C
    is kept and each chunk's kernels are recomputed (the memory-light path). Per-chunk
    temporaries live in the plan's :class:`Workspace`, shared by all chunks and layers."""

    @staticmethod
    def forward(ctx, x, basis, weight, plan, chunk, kernel_dtype, keep, layer):
        num_nodes, num_ori, _ = x.shape
        flat = x.reshape(num_nodes, -1)
        width = flat.shape[1]
        permuted = None if plan.sigma is None else _permute(flat, plan.sigma, num_ori)
        out = torch.zeros_like(flat)
        reverse = None if permuted is None else torch.zeros_like(flat)
        space = plan.workspace
        kept = []
        for start in range(0, plan.src.numel(), chunk):
            src, dst = plan.src[start:start + chunk], plan.dst[start:start + chunk]
            count = src.numel()
            part = basis[start:start + chunk].reshape(-1, basis.shape[-1])  # [e * O, K]
            if kernel_dtype is not None:  # low precision: kept so, the products below promote
                rows = part.to(kernel_dtype) @ weight.to(kernel_dtype)
            elif keep or part.dtype != weight.dtype or torch.is_autocast_enabled(part.device.type):
                rows = part @ weight  # kept for backward, or a dtype only matmul may choose
            else:
                rows = torch.mm(part, weight, out=space.take("rows", count, width, weight).view(-1, weight.shape[1]))
            rows = rows.view(count, -1)  # [e, O * C]
            if keep:
                kept.append(rows)
            gathered = space.take("a", count, width, flat)
            out.scatter_add_(0, _expand(dst, width), torch.gather(flat, 0, _expand(src, width), out=gathered).mul_(rows))
            if permuted is not None:
                torch.gather(permuted, 0, _expand(dst, width), out=gathered).mul_(rows)
                reverse.scatter_add_(0, _expand(src, width), gathered)
        if reverse is not None:
            out += _permute(reverse, plan.sigma, num_ori)
        ctx.save_for_backward(x, basis, weight, *kept)
        ctx.keep = keep
        ctx.plan, ctx.chunk, ctx.layer = plan, chunk, layer
        ctx.kernel_dtype = kernel_dtype
        return out.view_as(x)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out):
        saved = ctx.saved_tensors
        kept = iter(saved[3:])
        # under autocast the inputs may mix float32 and bfloat16: compute in one dtype, and
        # return every gradient in its input's dtype
        common = torch.promote_types(torch.promote_types(saved[0].dtype, saved[1].dtype),
                                     torch.promote_types(saved[2].dtype, grad_out.dtype))
        (x, weight), basis = (t.to(common) for t in (saved[0], saved[2])), saved[1]  # basis: no copy
        plan, chunk = ctx.plan, ctx.chunk
        low = ctx.kernel_dtype if ctx.kernel_dtype not in (None, common) else None
        weight_low = None if low is None else weight.to(low)
        num_nodes, num_ori, channels = x.shape
        flat, grad = x.reshape(num_nodes, -1), grad_out.to(common).reshape(num_nodes, -1)
        width = flat.shape[1]
        symmetric = plan.sigma is not None
        permuted = _permute(flat, plan.sigma, num_ori) if symmetric else None
        grad_permuted = _permute(grad, plan.sigma, num_ori) if symmetric else None
        grad_x = torch.zeros_like(flat)
        grad_x_permuted = torch.zeros_like(flat) if symmetric else None
        grad_weight = torch.zeros_like(weight)
        plan.after_backward()
        # basis gradient: the kept-kernel path returns its own (one chunk); the memory-light path
        # adds into the buffer shared by the layers (see BasisGradient)
        buffer_dtype = basis.dtype if low is not None else common
        local = torch.empty_like(basis, dtype=buffer_dtype) if ctx.needs_input_grad[1] and ctx.keep else None
        shared = plan.basis_gradient if ctx.needs_input_grad[1] and not ctx.keep else None
        fresh = local is not None or (shared is not None and shared.buffer is None)
        if shared is not None and shared.buffer is None:
            shared.buffer = torch.empty_like(basis, dtype=buffer_dtype)
        gradient_buffer = local if local is not None else (shared.buffer if shared is not None else None)
        space = plan.workspace
        for start in range(0, plan.src.numel(), chunk):
            src, dst = plan.src[start:start + chunk], plan.dst[start:start + chunk]
            count = src.numel()
            part = basis[start:start + chunk].reshape(-1, basis.shape[-1])  # [e * O, K]
            if low is None:
                part = part.to(common)
            part_low = None if low is None else part.to(low)
            if ctx.keep:
                rows = next(kept)
            elif low is None:  # recomputed
                rows = torch.mm(part, weight, out=space.take("rows", count, width, flat).view(-1, channels))
            else:  # low precision: kept so, the in-place products below promote into float32
                rows = part_low @ weight_low
            rows = rows.view(count, -1)  # [e, O * C]
            # in-place products into the workspace: no fresh [e, O * C] temporaries
            grad_dst = torch.gather(grad, 0, _expand(dst, width), out=space.take("a", count, width, flat))
            grad_rows = torch.gather(flat, 0, _expand(src, width), out=space.take("b", count, width, flat))
            grad_rows.mul_(grad_dst)
            grad_x.scatter_add_(0, _expand(src, width), grad_dst.mul_(rows))
            if symmetric:
                grad_src = torch.gather(grad_permuted, 0, _expand(src, width), out=grad_dst)
                other = torch.gather(permuted, 0, _expand(dst, width), out=space.take("c", count, width, flat))
                grad_rows.addcmul_(grad_src, other)
                grad_x_permuted.scatter_add_(0, _expand(dst, width), grad_src.mul_(rows))
            grad_rows = grad_rows.view(-1, channels)  # [e * O, C]
            if low is None:
                grad_weight.addmm_(part.T, grad_rows)
            else:
                grad_rows_low = grad_rows.to(low)
                grad_weight += part_low.T @ grad_rows_low
            if gradient_buffer is not None:
                target = gradient_buffer[start:start + chunk].view(-1, basis.shape[-1])
                if low is not None:
                    product = grad_rows_low @ weight_low.T  # [e * O, K] in low precision
                    if fresh:
                        target.copy_(product)
                    else:
                        target.add_(product)
                elif fresh:
                    torch.mm(grad_rows, weight.T, out=target)
                else:
                    target.addmm_(grad_rows, weight.T)
        if symmetric:
            grad_x += _permute(grad_x_permuted, plan.sigma, num_ori)
        grad_basis = None
        if local is not None:
            grad_basis = local.to(saved[1].dtype)
        elif shared is not None and ctx.layer == 0:
            grad_basis, shared.buffer = shared.buffer.to(saved[1].dtype), None
        if ctx.layer == 0:  # the last message backward of a full pass: free the scratch buffers
            plan.workspace.clear()  # before the basis MLP's backward (the end-of-pass callback is later)
        return (grad_x.view_as(x).to(saved[0].dtype), grad_basis, grad_weight.to(saved[2].dtype),
                None, None, None, None, None)
