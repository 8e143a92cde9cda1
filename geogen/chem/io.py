"""Writers: SMILES, SDF (optional ETKDG + MMFF 3D conformers) and molecule-grid PNG.

Every writer writes to a temporary file beside the target and renames it, so a failure never
leaves a partial output file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path

from geogen.io import atomic_output as atomic_path

__all__ = ["atomic_output", "write_smiles", "write_sdf", "draw_grid", "embed_conformer"]


@contextmanager
def atomic_output(path: str | os.PathLike, mode: str = "w"):
    """Open a temporary file beside ``path``; rename it to ``path`` only on success."""
    with atomic_path(path) as temp, open(temp, mode) as stream:
        yield stream


def write_smiles(smiles: Sequence[str | None], path: str | os.PathLike) -> None:
    """One SMILES per line; failed samples (None) are written as empty lines."""
    with atomic_output(path) as stream:
        for s in smiles:
            stream.write((s or "") + "\n")


def embed_conformer(mol, seed: int = 0):
    """A copy of ``mol`` with hydrogens and one ETKDG conformer relaxed by MMFF (None if
    embedding fails)."""
    from rdkit import Chem
    from rdkit.Chem import AllChem

    mol = Chem.AddHs(mol)
    params = AllChem.ETKDGv3()
    params.randomSeed = seed
    if AllChem.EmbedMolecule(mol, params) != 0:
        return None
    if AllChem.MMFFHasAllMoleculeParams(mol):
        AllChem.MMFFOptimizeMolecule(mol)
    return mol


def write_sdf(mols: Sequence, path: str | os.PathLike, conformers: bool = False,
              seed: int = 0, on_skip: Callable[[int, str], None] | None = None) -> int:
    """Write molecules to SDF; returns the number written.

    Args:
        mols: RDKit Mols (None entries are skipped and reported through ``on_skip``).
        path: output ``.sdf``.
        conformers: add hydrogens and an ETKDG + MMFF 3D conformer (else 2D coordinates).
        seed: embedding seed.
        on_skip: called with ``(index, reason)`` for every molecule not written.
    """
    from rdkit import Chem
    from rdkit.Chem import AllChem

    written = 0
    with atomic_output(path) as stream:
        writer = Chem.SDWriter(stream)
        for index, mol in enumerate(mols):
            if mol is None:
                if on_skip:
                    on_skip(index, "no molecule")
                continue
            out = embed_conformer(mol, seed) if conformers else Chem.Mol(mol)
            if out is None:
                if on_skip:
                    on_skip(index, "3D embedding failed")
                continue
            if not conformers:
                AllChem.Compute2DCoords(out)
            writer.write(out)
            written += 1
        writer.close()
    return written


def draw_grid(mols: Sequence, path: str | os.PathLike, per_row: int = 5,
              size: tuple[int, int] = (200, 200), legends: Sequence[str] | None = None) -> None:
    """A PNG grid of molecules (None entries are skipped)."""
    from rdkit.Chem import Draw

    keep = [k for k, m in enumerate(mols) if m is not None]
    image = Draw.MolsToGridImage([mols[k] for k in keep], molsPerRow=per_row, subImgSize=size,
                                 legends=None if legends is None else [legends[k] for k in keep])
    with atomic_output(path, "wb") as stream:
        image.save(stream, format="PNG")
