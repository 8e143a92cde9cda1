"""3D molecule stability (EDM protocol): bond orders inferred from interatomic distances.

For every atom pair the distance (in pm) is compared with typical bond lengths plus margins
(single +10 pm, double +5 pm, triple +3 pm; the lengths are EDM's tables in ``qm9/bond_analyze.py``
of ehoogeboom/e3_diffusion_for_molecules, which cite wiredchemist.com and chemistry-reference.com).
An atom is stable when the sum of its inferred bond orders equals its allowed valence (H 1, C 4,
N 3, O 2, F 1, S 4, Cl 1, Br 1, I 1, P 3 or 5); a molecule is stable when all its atoms are.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["bond_orders_from_distances", "stability", "ALLOWED_VALENCES"]

_SYMBOLS = {1: "H", 6: "C", 7: "N", 8: "O", 9: "F", 15: "P", 16: "S", 17: "Cl", 35: "Br", 53: "I"}
# Typical lengths in pm, one entry per unordered pair (EDM's tables, restricted to these elements).
_SINGLE = {
    "H": {"H": 74, "C": 109, "N": 101, "O": 96, "F": 92, "P": 144, "S": 134, "Cl": 127, "Br": 141, "I": 161},
    "C": {"C": 154, "N": 147, "O": 143, "F": 135, "P": 184, "S": 182, "Cl": 177, "Br": 194, "I": 214},
    "N": {"N": 145, "O": 140, "F": 136, "Cl": 175, "Br": 214, "S": 168, "I": 222, "P": 177},
    "O": {"O": 148, "F": 142, "Br": 172, "S": 151, "P": 163, "Cl": 164, "I": 194},
    "F": {"F": 142, "S": 158, "Cl": 166, "Br": 178, "P": 156, "I": 187},
    "Cl": {"Cl": 199, "P": 203, "S": 207, "Br": 214},
    "S": {"S": 204, "Br": 225, "P": 210, "I": 234},
    "Br": {"Br": 228, "P": 222},
    "P": {"P": 221},
    "I": {"I": 266},
}
_DOUBLE = {"C": {"C": 134, "N": 129, "O": 120, "S": 160}, "N": {"N": 125, "O": 121},
           "O": {"O": 121, "P": 150}, "P": {"S": 186}}
_TRIPLE = {"C": {"C": 120, "N": 116, "O": 113}, "N": {"N": 110}}
_MARGINS = (10.0, 5.0, 3.0)
ALLOWED_VALENCES = {"H": (1,), "C": (4,), "N": (3,), "O": (2,), "F": (1,), "P": (3, 5), "S": (4,),
                    "Cl": (1,), "Br": (1,), "I": (1,)}


def _table(pairs: dict, margin: float) -> Tensor:
    """``[Z_max + 1, Z_max + 1]`` thresholds in pm (-inf where no such bond exists)."""
    table = torch.full((54, 54), float("-inf"), dtype=torch.float64)
    number = {s: z for z, s in _SYMBOLS.items()}
    for first, row in pairs.items():
        for second, length in row.items():
            a, b = number[first], number[second]
            table[a, b] = table[b, a] = length + margin
    return table


_THRESHOLDS = [_table(t, m) for t, m in zip((_SINGLE, _DOUBLE, _TRIPLE), _MARGINS)]


def bond_orders_from_distances(atomic_numbers: Tensor, pos: Tensor) -> Tensor:
    """``[n, n]`` long inferred bond orders of one molecule.

    Shapes:
        atomic_numbers: ``[n]`` long; pos: ``[n, 3]`` in Angstrom.
    """
    distance = 100.0 * torch.cdist(pos.double(), pos.double())  # [n, n] in pm
    z = atomic_numbers.long()
    single, double, triple = (t.to(pos.device)[z][:, z] for t in _THRESHOLDS)  # [n, n] each
    order = (distance < single).long()
    order = order + (order.bool() & (distance < double)).long()
    order = order + ((order == 2) & (distance < triple)).long()
    order.fill_diagonal_(0)
    return order


def stability(atomic_numbers: Tensor, pos: Tensor, batch: Tensor) -> dict[str, float]:
    """Atom and molecule stability of a batch of 3D molecules (PointCloud layout).

    Shapes:
        atomic_numbers: ``[A]`` long; pos: ``[A, 3]`` Angstrom; batch: ``[A]`` molecule index.

    Returns:
        ``{"atom_stability", "molecule_stability"}`` fractions in [0, 1].
    """
    stable_atoms, total_atoms, stable_mols, total_mols = 0, 0, 0, 0
    for index in torch.unique(batch).tolist():
        select = batch == index
        z = atomic_numbers[select]
        valence = bond_orders_from_distances(z, pos[select]).sum(dim=1).tolist()
        ok = [v in ALLOWED_VALENCES.get(_SYMBOLS.get(int(a), "?"), ()) for a, v in zip(z.tolist(), valence)]
        stable_atoms += sum(ok)
        total_atoms += len(ok)
        stable_mols += all(ok)
        total_mols += 1
    return {"atom_stability": stable_atoms / total_atoms if total_atoms else float("nan"),
            "molecule_stability": stable_mols / total_mols if total_mols else float("nan")}
