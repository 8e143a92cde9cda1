"""The plain MLP used throughout the GDSS score networks (ELU between linear layers)."""

from __future__ import annotations

from torch import Tensor, nn

from geogen.nn.gdss.elu import ELU

__all__ = ["MLP"]


class MLP(nn.Module):
    """``num_layers`` linear layers with an activation between them (none after the last).

    Args:
        num_layers: number of linear layers (1 = a single linear map).
        input_dim, hidden_dim, output_dim: feature sizes.
        activation: module applied between layers (default: GDSS's ELU, compiled for large CPU
            inputs in inference, see :mod:`geogen.nn.gdss.elu`).

    Shapes:
        input ``[..., input_dim]`` -> output ``[..., output_dim]``.
    """

    def __init__(self, *, num_layers: int, input_dim: int, hidden_dim: int, output_dim: int,
                 activation: nn.Module | None = None) -> None:
        super().__init__()
        if num_layers < 1:
            raise ValueError("MLP needs at least one layer")
        dims = [input_dim] + [hidden_dim] * (num_layers - 1) + [output_dim]
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.activation = activation if activation is not None else ELU()

    def forward(self, x: Tensor) -> Tensor:
        for linear in self.linears[:-1]:
            x = self.activation(linear(x))
        return self.linears[-1](x)
