"""Generic equivariance check for node permutations, rotations and translations (float64)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import torch
from torch import Tensor

__all__ = ["Rep", "INVARIANT", "nodes", "pairs", "positions", "vectors", "node_indices",
           "EquivarianceErrors", "assert_equivariant"]


@dataclass(frozen=True)
class Rep:
    """How a tensor transforms under a node permutation, a rotation and a translation.

    Attributes:
        node_axes: axes indexed by nodes (permuted together); ``(1, 2)`` for ``adj [B, N, N]``.
        vector: the last axis holds 3-vectors, rotated by ``R`` (``v -> v R^T``).
        translates: a translation is added (positions, not velocities).
        node_index: the values are node indices (``edge_index``), relabelled by the permutation.
    """

    node_axes: tuple[int, ...] = ()
    vector: bool = False
    translates: bool = False
    node_index: bool = False


INVARIANT = Rep()


def nodes(axis: int = 0) -> Rep:
    """Node features with the node axis at ``axis`` (``1`` for dense ``[B, N, F]``)."""
    return Rep(node_axes=(axis,))


def pairs(axes: tuple[int, int] = (0, 1)) -> Rep:
    """Pair tensors such as a dense adjacency (``(1, 2)`` for ``[B, N, N, C]``)."""
    return Rep(node_axes=tuple(axes))


def positions(axis: int = 0) -> Rep:
    """Positions ``[..., N, ..., 3]``: permuted, rotated and translated."""
    return Rep(node_axes=(axis,), vector=True, translates=True)


def vectors(axis: int = 0) -> Rep:
    """Per-node vectors (velocities, forces): permuted and rotated, not translated."""
    return Rep(node_axes=(axis,), vector=True)


def node_indices() -> Rep:
    """Integer node indices such as ``edge_index [2, E]``."""
    return Rep(node_index=True)


@dataclass(frozen=True)
class EquivarianceErrors:
    """Largest absolute error of ``fn(g x) - g fn(x)`` per transformation checked."""

    errors: dict[str, float]


@dataclass(frozen=True)
class _Group:
    permutation: Tensor | None
    inverse: Tensor | None
    rotation: Tensor | None
    translation: Tensor | None

    def apply(self, value: Tensor, rep: Rep) -> Tensor:
        if self.permutation is not None:
            for axis in rep.node_axes:
                value = value.index_select(axis, self.permutation.to(value.device))
            if rep.node_index:
                value = self.inverse.to(value.device)[value]
        if self.rotation is not None and rep.vector:
            value = value @ self.rotation.to(value).T
        if self.translation is not None and rep.translates:
            value = value + self.translation.to(value)
        return value


def _flatten(structure: Any) -> list[Tensor]:
    if isinstance(structure, Tensor):
        return [structure]
    if isinstance(structure, Mapping):
        return [value for key in sorted(structure) for value in _flatten(structure[key])]
    return [value for item in structure for value in _flatten(item)]


def _flatten_reps(reps: Any) -> list[Rep]:
    if isinstance(reps, Rep):
        return [reps]
    if isinstance(reps, Mapping):
        return [rep for key in sorted(reps) for rep in _flatten_reps(reps[key])]
    return [rep for item in reps for rep in _flatten_reps(item)]


def _transform_inputs(inputs, in_reps, group: _Group):
    if isinstance(inputs, Mapping):
        return {name: group.apply(value, in_reps[name]) for name, value in inputs.items()}
    return [group.apply(value, rep) for value, rep in zip(inputs, in_reps)]


def _call(fn: Callable, inputs):
    return fn(**inputs) if isinstance(inputs, Mapping) else fn(*inputs)


def _make_group(name: str, num_nodes: int | None, permutation, rotation, translation,
                dtype: torch.dtype, generator: torch.Generator) -> _Group:
    perm = inverse = rot = shift = None
    if "permutation" in name:
        perm = (permutation if isinstance(permutation, Tensor)
                else torch.randperm(num_nodes, generator=generator))
        inverse = torch.argsort(perm)
    if "rotation" in name:
        if isinstance(rotation, Tensor):
            rot = rotation.to(dtype)
        else:
            from e3nn import o3  # heavy import, only when rotations are checked

            # e3nn draws from the global RNG: seed it inside a fork so callers are unaffected.
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=generator)))
                rot = o3.rand_matrix(dtype=dtype)
    if "translation" in name:
        shift = (translation.to(dtype) if isinstance(translation, Tensor)
                 else torch.randn(3, generator=generator, dtype=dtype))
    return _Group(perm, inverse, rot, shift)


def assert_equivariant(fn: Callable, inputs: Sequence[Tensor] | Mapping[str, Tensor],
                       in_reps: Sequence[Rep] | Mapping[str, Rep], out_reps: Any, *,
                       permutation: bool | Tensor = True, rotation: bool | Tensor = False,
                       translation: bool | Tensor = False, num_nodes: int | None = None,
                       dtype: torch.dtype = torch.float64, atol: float = 1e-9,
                       rtol: float = 1e-7, seed: int = 0) -> EquivarianceErrors:
    """Assert ``fn(g . inputs) == g . fn(inputs)`` for each requested transformation ``g``.

    Floating-point inputs are cast to ``dtype`` (float64 by default, so tolerances can be
    tight). Each transformation is checked alone, then all of them together.

    Args:
        fn: called as ``fn(*inputs)`` or ``fn(**inputs)``; returns a tensor, a sequence or a
            mapping of tensors (matched with ``out_reps`` in the same structure; mappings by
            sorted key).
        inputs: the input tensors.
        in_reps: a :class:`Rep` per input (same structure as ``inputs``).
        out_reps: a :class:`Rep` per output.
        permutation: check node permutations (True: random; or a given ``[N]`` permutation).
        rotation: check rotations (True: ``e3nn.o3.rand_matrix``; or a given ``[3, 3]``).
        translation: check translations (True: random; or a given ``[3]`` vector).
        num_nodes: number of nodes ``N``; inferred from the first input with node axes.
        dtype: floating dtype of the check.
        atol, rtol: tolerances of ``torch.allclose``.
        seed: seed of the random transformations.

    Returns:
        :class:`EquivarianceErrors` (max absolute errors) when the check passes.

    Raises:
        AssertionError: naming the transformation and the output that broke equivariance.
    """
    if isinstance(inputs, Mapping):
        inputs = {k: v.to(dtype) if v.is_floating_point() else v for k, v in inputs.items()}
        rep_pairs = [(inputs[k], in_reps[k]) for k in inputs]
    else:
        inputs = [v.to(dtype) if v.is_floating_point() else v for v in inputs]
        rep_pairs = list(zip(inputs, in_reps))
    if num_nodes is None and permutation is True:
        num_nodes = next(value.shape[rep.node_axes[0]] for value, rep in rep_pairs if rep.node_axes)
    requested = [name for name, on in (("permutation", permutation is not False),
                                       ("rotation", rotation is not False),
                                       ("translation", translation is not False)) if on]
    checks = requested + (["+".join(requested)] if len(requested) > 1 else [])
    generator = torch.Generator().manual_seed(seed)
    reference = _flatten(_call(fn, inputs))
    out_rep_list = _flatten_reps(out_reps)
    if len(out_rep_list) != len(reference):
        raise ValueError(f"{len(reference)} outputs but {len(out_rep_list)} output reps")
    errors = {}
    for name in checks:
        group = _make_group(name, num_nodes, permutation, rotation, translation, dtype, generator)
        moved = _flatten(_call(fn, _transform_inputs(inputs, in_reps, group)))
        worst = 0.0
        for index, (out, ref, rep) in enumerate(zip(moved, reference, out_rep_list)):
            expected = group.apply(ref, rep)
            error = (out - expected).abs().max().item() if out.numel() else 0.0
            worst = max(worst, error)
            if not torch.allclose(out, expected, atol=atol, rtol=rtol):
                raise AssertionError(f"not equivariant under {name}: output {index} differs by "
                                     f"up to {error:.3e} (atol {atol}, rtol {rtol})")
        errors[name] = worst
    return EquivarianceErrors(errors=errors)
