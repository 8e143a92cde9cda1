"""QM9 with hydrogens and DFT positions (``qm9pack``'s ``XYZ_Ang`` column), for 3D models.

Needs the ``qm9pack`` CSV files (installed package or the downloaded wheel); the mirror's slim
CSV has no coordinates. Splits are the EDM/Cormorant ones (see :mod:`geogen.data.qm9`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from geogen.data.molecules import dataset_dir, save_atomic
from geogen.data.qm9 import edm_split, qm9_table
from geogen.data.states import PointCloud

__all__ = ["QM9Geometry", "load_qm9_3d", "QM9_3D_ELEMENTS"]

QM9_3D_ELEMENTS = (1, 6, 7, 8, 9)
"""Atomic numbers H, C, N, O, F (EDM's order of the one-hot columns)."""
_SYMBOL_TO_Z = {"H": 1, "C": 6, "N": 7, "O": 8, "F": 9}


@dataclass
class QM9Geometry:
    """All QM9 molecules with hydrogens, flat PyG layout.

    Shapes:
        atomic_numbers: ``[A_total]`` long.
        pos: ``[A_total, 3]`` float32 positions in Angstrom (as in the source, not centred).
        ptr: ``[M + 1]`` long, molecule ``m`` owns atoms ``ptr[m]:ptr[m + 1]``.
        gdb_idx: ``[M]`` long.
    """

    atomic_numbers: Tensor
    pos: Tensor
    ptr: Tensor
    gdb_idx: Tensor
    splits: dict[str, Tensor]

    def __len__(self) -> int:
        return self.gdb_idx.shape[0]

    def point_cloud(self, rows, elements: tuple[int, ...] = QM9_3D_ELEMENTS,
                    center: bool = True) -> PointCloud:
        """A PointCloud batch: ``h`` one-hot over ``elements``, ``pos`` (zero centre of mass
        per molecule, unweighted, when ``center``)."""
        rows = torch.as_tensor(rows, dtype=torch.long)
        counts = self.ptr[rows + 1] - self.ptr[rows]  # [B]
        starts = torch.repeat_interleave(self.ptr[rows], counts)  # [A]
        within = torch.arange(int(counts.sum())) - torch.repeat_interleave(
            torch.cumsum(counts, 0) - counts, counts)  # [A]
        atoms = starts + within  # [A]
        batch = torch.repeat_interleave(torch.arange(len(rows)), counts)  # [A]
        lookup = torch.full((max(elements) + 1,), -1, dtype=torch.long)
        lookup[torch.tensor(elements)] = torch.arange(len(elements))
        h = torch.nn.functional.one_hot(lookup[self.atomic_numbers[atoms]], len(elements)).float()
        pos = self.pos[atoms].clone()  # [A, 3]
        if center:
            means = torch.zeros(len(rows), 3).index_add_(0, batch, pos) / counts.unsqueeze(1)
            pos = pos - means[batch]
        return PointCloud(h=h, pos=pos, batch=batch, num_graphs=len(rows))


def _parse(table) -> tuple[Tensor, Tensor, Tensor]:
    numbers, positions, counts = [], [], []
    for elements, xyz in zip(table["elements"], table["xyz"]):
        z = [_SYMBOL_TO_Z[s] for s in re.findall(r"[A-Z][a-z]?", elements)]
        coords = np.array(re.split(r"[\[\],\s]+", xyz.strip("[]")), dtype=np.float64)
        numbers += z
        positions.append(coords.reshape(len(z), 3))
        counts.append(len(z))
    ptr = torch.cat([torch.zeros(1, dtype=torch.long), torch.cumsum(torch.tensor(counts), 0)])
    return (torch.tensor(numbers, dtype=torch.long),
            torch.from_numpy(np.concatenate(positions)).float(), ptr)


def load_qm9_3d(root: str | os.PathLike | None = None) -> QM9Geometry:
    """QM9 with hydrogens and positions; cached in ``<root>/qm9/processed/qm9_3d.pt``."""
    path = dataset_dir("qm9", root) / "processed" / "qm9_3d.pt"
    settings = {"version": 1}
    if path.is_file():
        payload = torch.load(path, weights_only=True)
        if payload.get("settings") == settings:
            return QM9Geometry(**{k: v for k, v in payload.items() if k != "settings"})
    table, _ = qm9_table(root, with_geometry=True)
    numbers, pos, ptr = _parse(table)
    splits = {f"edm/{k}": torch.as_tensor(np.sort(v), dtype=torch.long)
              for k, v in edm_split(len(table)).items()}
    geometry = QM9Geometry(atomic_numbers=numbers, pos=pos, ptr=ptr,
                           gdb_idx=torch.tensor(table["gdb_idx"].to_numpy().copy()), splits=splits)
    save_atomic({"settings": settings, **geometry.__dict__}, path)
    return geometry
