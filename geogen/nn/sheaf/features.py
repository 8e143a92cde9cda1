"""Node feature matrices for the NSD encoder: dense, or sparse CSR for bag-of-words features.

The heterophily benchmarks' features are 0.5-5 % dense, and the encoder's ``x @ W^T`` (and its
weight gradient ``x^T @ grad``) dominate an epoch when computed densely (chameleon: 40 ms of
GEMM per training step). :class:`SparseFeatures` keeps ``x`` and ``x^T`` in CSR once per
dataset, so both products are sparse-dense matmuls.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from geogen.nn.sheaf.dropout import dropout

__all__ = ["NodeFeatures", "DenseFeatures", "SparseFeatures", "EncodedFeatures", "as_node_features",
           "prepare_node_features"]


class NodeFeatures:
    """Interface: a constant [N, F] feature matrix fed to a linear encoder."""

    num_nodes: int

    def dropout(self, p: float, training: bool) -> "NodeFeatures":
        """Inverted dropout on the entries (zeros stay zero)."""
        raise NotImplementedError

    def linear(self, layer: nn.Linear) -> Tensor:
        """Shapes: [N, F] -> ``layer(x)`` [N, H]."""
        raise NotImplementedError

    def stacked_linear(self, weight: Tensor, bias: Tensor | None, p: float, training: bool) -> Tensor:
        """S linear layers at once, each on its own dropout draw of the features.

        Shapes:
            weight: [S, H, F]; bias: [S, H] or None -> [S, N, H].
        """
        raise NotImplementedError


def _add_bias(out: Tensor, bias: Tensor | None) -> Tensor:
    """Shapes: out [S, N, H], bias [S, H] or None -> [S, N, H]."""
    return out if bias is None else out + bias.unsqueeze(1)


@dataclass(frozen=True)
class EncodedFeatures(NodeFeatures):
    """Features whose encoder image ``h [N, H]`` is already known (dropout included).

    Lets a trainer compute the encoder products of many stacked models in one sparse matmul
    (:meth:`NodeFeatures.stacked_linear`) and run the rest of each model per parameter set.
    """

    h: Tensor

    @property
    def num_nodes(self) -> int:
        return int(self.h.size(0))

    def dropout(self, p: float, training: bool) -> "EncodedFeatures":
        return self

    def linear(self, layer: nn.Linear) -> Tensor:
        return self.h


@dataclass(frozen=True)
class DenseFeatures(NodeFeatures):
    """A strided [N, F] tensor."""

    x: Tensor

    @property
    def num_nodes(self) -> int:
        return int(self.x.size(0))

    def dropout(self, p: float, training: bool) -> "DenseFeatures":
        return DenseFeatures(dropout(self.x, p, training))

    def linear(self, layer: nn.Linear) -> Tensor:
        return layer(self.x)

    def stacked_linear(self, weight: Tensor, bias: Tensor | None, p: float, training: bool) -> Tensor:
        x = self.x.expand(weight.size(0), -1, -1)  # [S, N, F]
        return _add_bias(torch.bmm(dropout(x, p, training), weight.transpose(1, 2)), bias)


class _SparseMatmul(torch.autograd.Function):
    """``matrix @ weight^T`` with the weight gradient from the precomputed CSR transpose."""

    @staticmethod
    def forward(ctx, weight: Tensor, matrix: Tensor, transpose: Tensor) -> Tensor:
        ctx.transpose = transpose
        return matrix @ weight.t().contiguous()  # [N, H]

    @staticmethod
    def backward(ctx, grad: Tensor):
        return (ctx.transpose @ grad).t(), None, None  # [H, F]


@dataclass(frozen=True)
class SparseFeatures(NodeFeatures):
    """CSR ``x`` and ``x^T`` sharing one value vector (up to the permutation ``to_transpose``).

    Shapes:
        matrix: CSR [N, F]; transpose: CSR [F, N]; to_transpose: [nnz] with
        ``transpose.values() == matrix.values()[to_transpose]``.
    """

    matrix: Tensor
    transpose: Tensor
    to_transpose: Tensor

    @classmethod
    def from_dense(cls, x: Tensor) -> "SparseFeatures":
        """Shapes: x [N, F] strided."""
        rows, cols = x.nonzero(as_tuple=True)  # row-major order = CSR value order
        order = torch.argsort(cols * x.size(0) + rows)  # column-major = CSR order of x^T
        with warnings.catch_warnings():  # CSR support is "beta" in torch; the ops used here are stable
            warnings.simplefilter("ignore", UserWarning)
            matrix, transpose = x.to_sparse_csr(), x.t().contiguous().to_sparse_csr()
        return cls(matrix=matrix, transpose=transpose, to_transpose=order)

    @property
    def num_nodes(self) -> int:
        return int(self.matrix.size(0))

    def with_values(self, values: Tensor) -> "SparseFeatures":
        """The same sparsity pattern with new values [nnz] (in ``matrix`` order)."""
        matrix = torch.sparse_csr_tensor(self.matrix.crow_indices(), self.matrix.col_indices(), values,
                                         self.matrix.shape, check_invariants=False)
        transpose = torch.sparse_csr_tensor(self.transpose.crow_indices(), self.transpose.col_indices(),
                                            values.index_select(0, self.to_transpose), self.transpose.shape,
                                            check_invariants=False)
        return SparseFeatures(matrix=matrix, transpose=transpose, to_transpose=self.to_transpose)

    def dropout(self, p: float, training: bool) -> "SparseFeatures":
        if not training or p == 0.0:
            return self
        return self.with_values(dropout(self.matrix.values(), p, training))

    def linear(self, layer: nn.Linear) -> Tensor:
        out = _SparseMatmul.apply(layer.weight, self.matrix, self.transpose)
        return out if layer.bias is None else out + layer.bias

    def stacked_linear(self, weight: Tensor, bias: Tensor | None, p: float, training: bool) -> Tensor:
        s, h, f = weight.shape
        if training and p > 0.0:  # independent dropout draws: one sparse product per parameter set
            drawn = [self.dropout(p, training) for _ in range(s)]
            out = torch.stack([_SparseMatmul.apply(w, x.matrix, x.transpose) for w, x in zip(weight, drawn)])
            return _add_bias(out, bias)
        # Same features for every set: one [N, F] @ [F, S*H] product.
        out = _SparseMatmul.apply(weight.reshape(s * h, f), self.matrix, self.transpose)  # [N, S*H]
        return _add_bias(out.view(-1, s, h).transpose(0, 1), bias)


def as_node_features(x: Tensor | NodeFeatures) -> NodeFeatures:
    """Wrap a raw [N, F] tensor (kept dense); prepared features pass through."""
    return x if isinstance(x, NodeFeatures) else DenseFeatures(x)


def prepare_node_features(x: Tensor, max_density: float = 0.1) -> NodeFeatures:
    """CSR features when at most ``max_density`` of the entries are non-zero, else dense.

    At 4.9 % density (texas) the sparse encoder step is already ~3x cheaper than the dense
    GEMM on CPU; chameleon/film (0.6 %) gain ~15x.
    """
    if x.dim() == 2 and x.numel() and float((x != 0).sum()) <= max_density * x.numel():
        return SparseFeatures.from_dense(x)
    return DenseFeatures(x)
