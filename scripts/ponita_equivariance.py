"""PONITA equivariance errors in float64, per orientation-grid size (docs/results.md, PONITA).

For an untrained two-layer PONITA on two graphs (5 + 4 nodes, scalar and vector inputs), prints the
relative error of the outputs under a random rotation, a translation and a node permutation:
the point-cloud variant (``num_ori = 0``) is exact in all three, the fibre-bundle variant is exact
under translations and permutations and approximately rotation-equivariant, increasingly so as
the sphere grid grows.

Usage: python scripts/ponita_equivariance.py [--num-ori 0 4 8 16 ...] [--seed S]
"""

from __future__ import annotations

import argparse

import torch
from torch_geometric.data import Batch, Data

from geogen.nn.ponita import PONITA

SIZES = (5, 4)


def _random_rotation(generator: torch.Generator) -> torch.Tensor:
    """A uniformly random proper rotation ``[3, 3]`` (QR of a Gaussian matrix, det +1)."""
    q, _ = torch.linalg.qr(torch.randn(3, 3, generator=generator, dtype=torch.float64))
    return q * torch.sign(torch.det(q))


def _graphs(pos: torch.Tensor, x: torch.Tensor, vec: torch.Tensor) -> Batch:
    """Two graphs of ``SIZES`` nodes from node tensors ``[9, ...]``."""
    start = SIZES[0]
    return Batch.from_data_list([Data(pos=pos[:start], x=x[:start], vec=vec[:start]),
                                 Data(pos=pos[start:], x=x[start:], vec=vec[start:])])


def _relative(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm())


@torch.no_grad()
def errors(num_ori: int, seed: int = 0) -> dict[str, float]:
    """Relative rotation, translation and permutation errors of one untrained model."""
    torch.manual_seed(seed)
    model = PONITA(in_channels=2, hidden_dim=16, out_channels=3, out_vector_channels=2, num_layers=2,
                   num_ori=num_ori, in_vector_channels=2).double()
    generator = torch.Generator().manual_seed(seed)
    nodes = sum(SIZES)
    pos = torch.randn(nodes, 3, generator=generator, dtype=torch.float64)
    x = torch.randn(nodes, 2, generator=generator, dtype=torch.float64)
    vec = torch.randn(nodes, 2, 3, generator=generator, dtype=torch.float64)
    scalars, vectors = model(_graphs(pos, x, vec))

    rotation = _random_rotation(generator)
    s_rot, v_rot = model(_graphs(pos @ rotation.T, x, vec @ rotation.T))
    shift = torch.randn(3, generator=generator, dtype=torch.float64)
    s_shift, v_shift = model(_graphs(pos + shift, x, vec))
    perm = torch.cat([torch.randperm(SIZES[0], generator=generator),
                      SIZES[0] + torch.randperm(SIZES[1], generator=generator)])
    s_perm, v_perm = model(_graphs(pos[perm], x[perm], vec[perm]))
    return {"rotation": max(_relative(s_rot, scalars), _relative(v_rot, vectors @ rotation.T)),
            "translation": max(_relative(s_shift, scalars), _relative(v_shift, vectors)),
            "permutation": max(_relative(s_perm, scalars[perm]), _relative(v_perm, vectors[perm]))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-ori", type=int, nargs="+", default=[0, 4, 8, 15, 16, 32, 64])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print("num_ori  rotation  translation  permutation  (relative errors, float64)")
    for num_ori in args.num_ori:
        result = errors(num_ori, args.seed)
        print(f"{num_ori:7d}  {result['rotation']:8.2g}  {result['translation']:11.1g}  {result['permutation']:11.1g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
