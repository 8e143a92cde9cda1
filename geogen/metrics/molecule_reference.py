"""Named references for molecule metrics: which SMILES are "training" and "test".

``qm9`` / ``zinc250k``: GDSS protocol (novelty against ``gdss/train``, FCD/NSPDK against
``gdss/test``); ``moses``: MOSES ``train`` / ``test``; a file path: the file's SMILES serve as
both. Reference statistics (FCD mean/covariance, NSPDK mean feature vector) are cached in
``cache_dir`` keyed by a hash of the reference SMILES, so a changed reference never reuses them.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from geogen.data.molecules import dataset_dir, save_atomic
from geogen.errors import GeogenError

__all__ = ["MoleculeReference", "molecule_reference", "cached_statistic", "smiles_digest"]


@dataclass
class MoleculeReference:
    """Reference SMILES for novelty (``train_smiles``) and distribution metrics (``test_smiles``).

    ``cache_dir`` None disables caching of reference statistics.
    """

    name: str
    train_smiles: list[str]
    test_smiles: list[str]
    cache_dir: Path | None = None
    _train_set: set[str] | None = field(default=None, repr=False)

    @property
    def train_set(self) -> set[str]:
        """Canonical training SMILES as a set (built once)."""
        if self._train_set is None:
            self._train_set = set(self.train_smiles)
        return self._train_set


def smiles_digest(smiles: list[str]) -> str:
    """Short content hash of a SMILES list (order-sensitive)."""
    digest = hashlib.sha256()
    for s in smiles:
        digest.update(s.encode())
        digest.update(b"\n")
    return digest.hexdigest()[:16]


def cached_statistic(reference: MoleculeReference, kind: str, compute: Callable[[], dict]) -> dict:
    """``compute()`` of the test SMILES, cached as ``<cache_dir>/<kind>_<digest>.pt``."""
    if reference.cache_dir is None:
        return compute()
    path = reference.cache_dir / f"{kind}_{smiles_digest(reference.test_smiles)}.pt"
    if path.is_file():
        try:
            return torch.load(path, weights_only=True)
        except Exception:  # corrupt cache: recompute
            pass
    value = compute()
    save_atomic(value, path)
    return value


def _canonical_list(smiles: list[str]) -> list[str]:
    from rdkit import Chem, rdBase

    out = []
    with rdBase.BlockLogs():
        for s in smiles:
            mol = Chem.MolFromSmiles(s) if s else None
            if mol is not None and mol.GetNumAtoms() > 0:
                out.append(Chem.MolToSmiles(mol))
    return out


def _moses(root) -> MoleculeReference:
    from geogen.data.moses import moses_smiles

    cache = dataset_dir("moses", root) / "processed" / "reference"

    def canonical_train() -> dict:
        return {"smiles": _canonical_list(moses_smiles("train", root))}

    path = cache / "train_canonical.pt"
    if path.is_file():
        train = torch.load(path, weights_only=True)["smiles"]
    else:
        train = canonical_train()["smiles"]
        save_atomic({"smiles": train}, path)
    return MoleculeReference("moses", train, _canonical_list(moses_smiles("test", root)), cache)


def molecule_reference(name: str, root: str | os.PathLike | None = None) -> MoleculeReference:
    """The reference called ``name`` (``qm9``, ``zinc250k``, ``moses``) or a SMILES file path."""
    if name == "moses":
        return _moses(root)
    if name in ("qm9", "zinc250k"):
        from geogen.data.molecule_registry import load_molecules, molecule_source

        source = molecule_source(name)
        collection = load_molecules(name, root=root)
        return MoleculeReference(name, collection.smiles(source.train_split),
                                 collection.smiles(source.test_split),
                                 dataset_dir(name, root) / "processed" / "reference")
    path = Path(name)
    if path.is_file():
        from geogen.data.smiles import read_smiles_file

        smiles = _canonical_list(read_smiles_file(path))
        if not smiles:
            raise GeogenError(f"reference file {path} contains no valid SMILES")
        return MoleculeReference(str(path), smiles, smiles, None)
    raise GeogenError(f"unknown molecule reference '{name}': use qm9, zinc250k, moses or a "
                      "SMILES/CSV/SDF file")
