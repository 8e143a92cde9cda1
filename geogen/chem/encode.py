"""SMILES / RDKit Mol -> dense GDSS-format tensors (heavy atoms, kekulized bond orders).

Two layers: :func:`encode_compact` turns SMILES into small integer arrays (atom type index per
node, bond order per pair) that datasets cache on disk; :meth:`CompactMolecules.to_dense` and
:func:`encode_smiles` give the float one-hot ``x`` and bond-order ``adj`` that models consume.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor

from geogen.chem.vocabulary import AtomVocabulary, atom_type_of

__all__ = [
    "EncodingFailure",
    "CompactMolecules",
    "DenseMolecules",
    "encode_compact",
    "encode_smiles",
    "compact_to_dense",
]

_BOND_ORDER = {"SINGLE": 1, "DOUBLE": 2, "TRIPLE": 3}


@dataclass(frozen=True)
class EncodingFailure:
    """One input that could not be encoded: its position, text and the reason."""

    index: int
    smiles: str
    reason: str


@dataclass
class CompactMolecules:
    """Molecules as integer arrays, padded to ``N`` nodes.

    Bonds are stored sparsely (each bond once), so large sets (ZINC250k) stay small on disk.

    Shapes:
        types: ``[M, N]`` int8, column of the atom type in the vocabulary, -1 on padding.
        bonds: ``[E, 3]`` int16 rows ``(i, j, order)`` with order 1, 2 or 3.
        bond_ptr: ``[M + 1]`` long, molecule ``m`` owns ``bonds[bond_ptr[m]:bond_ptr[m + 1]]``.
    """

    types: Tensor
    bonds: Tensor
    bond_ptr: Tensor
    smiles: list[str]
    indices: list[int]
    failures: list[EncodingFailure] = field(default_factory=list)

    def __len__(self) -> int:
        return self.types.shape[0]

    def dense(self, rows: Tensor | None = None, num_types: int | None = None,
              dtype: torch.dtype = torch.float32) -> tuple[Tensor, Tensor, Tensor]:
        """``(x [B, N, A], adj [B, N, N], mask [B, N])`` of some rows (default: all).

        Args:
            rows: ``[B]`` long row indices.
            num_types: ``A``; default: the largest type column + 1.
        """
        rows = torch.arange(len(self)) if rows is None else torch.as_tensor(rows, dtype=torch.long)
        num_types = num_types if num_types is not None else int(self.types.max()) + 1
        starts, ends = self.bond_ptr[rows], self.bond_ptr[rows + 1]  # [B], [B]
        counts = ends - starts  # [B]
        batch = torch.repeat_interleave(torch.arange(len(rows)), counts)  # [E_b]
        offsets = torch.repeat_interleave(starts - torch.cumsum(counts, 0) + counts, counts)
        picked = self.bonds[torch.arange(int(counts.sum())) + offsets].long()  # [E_b, 3]
        return compact_to_dense(self.types[rows], batch, picked, num_types, dtype)


@dataclass
class DenseMolecules:
    """GDSS-format tensors of the encodable inputs.

    Shapes:
        x: ``[M, N, A]`` float one-hot atom types, zero rows on padding.
        adj: ``[M, N, N]`` float bond orders 0/1/2/3 (kekulized; aromatic never appears).
        mask: ``[M, N]`` bool, True on real atoms.

    ``indices[m]`` is the position in the input of row ``m``; ``failures`` lists the rest.
    """

    x: Tensor
    adj: Tensor
    mask: Tensor
    indices: list[int]
    failures: list[EncodingFailure] = field(default_factory=list)


def _mol_arrays(smiles: str, vocabulary: AtomVocabulary, max_nodes: int | None):
    """(type columns, [(i, j, order)], canonical SMILES) or a failure reason string."""
    from rdkit import Chem

    mol = Chem.MolFromSmiles(smiles) if smiles else None
    if mol is None or mol.GetNumAtoms() == 0:
        return "invalid SMILES"
    reference = Chem.MolToSmiles(mol)
    # Atom order of the canonical (non-isomeric) SMILES, as MoFlow/GDSS preprocessing uses.
    canonical = Chem.MolToSmiles(mol, isomericSmiles=False)
    mol = Chem.MolFromSmiles(canonical)
    if mol is None:
        return "invalid SMILES after canonicalisation"
    if max_nodes is not None and mol.GetNumAtoms() > max_nodes:
        return f"{mol.GetNumAtoms()} heavy atoms > max_nodes={max_nodes}"
    Chem.Kekulize(mol, clearAromaticFlags=True)
    columns = []
    for atom in mol.GetAtoms():
        token = atom_type_of(atom, vocabulary.keeps_charges)
        column = vocabulary.index(token)
        if column is None:
            return f"atom type {token} not in vocabulary ({vocabulary.describe()})"
        columns.append(column)
    bonds = []
    for bond in mol.GetBonds():
        order = _BOND_ORDER.get(str(bond.GetBondType()))
        if order is None:
            return f"bond type {bond.GetBondType()} cannot be encoded"
        bonds.append((bond.GetBeginAtomIdx(), bond.GetEndAtomIdx(), order))
    return columns, bonds, reference


def encode_compact(smiles: Sequence[str], vocabulary: AtomVocabulary,
                   max_nodes: int | None = None) -> CompactMolecules:
    """Encode SMILES into compact integer arrays; unencodable inputs are listed, not raised.

    Args:
        smiles: SMILES strings (surrounding whitespace is ignored).
        vocabulary: atom types; charges are dropped unless the vocabulary has charged types.
        max_nodes: pad to this many nodes (inputs with more heavy atoms fail); default: the
            largest molecule.

    Returns:
        :class:`CompactMolecules` (``smiles`` holds the canonical isomeric SMILES of each encoded input, charges kept).
    """
    from rdkit import rdBase

    encoded, failures = [], []
    with rdBase.BlockLogs():
        for index, text in enumerate(smiles):
            text = (text or "").strip()
            result = _mol_arrays(text, vocabulary, max_nodes)
            if isinstance(result, str):
                failures.append(EncodingFailure(index=index, smiles=text, reason=result))
            else:
                encoded.append((index, *result))
    width = max_nodes if max_nodes is not None else max((len(e[1]) for e in encoded), default=0)
    types = torch.full((len(encoded), width), -1, dtype=torch.int8)  # [M, N]
    for row, (_, columns, _, _) in enumerate(encoded):
        types[row, : len(columns)] = torch.tensor(columns, dtype=torch.int8)
    all_bonds = [bond for e in encoded for bond in e[2]]
    bonds = torch.tensor(all_bonds, dtype=torch.int16).reshape(-1, 3)  # [E, 3]
    counts = torch.tensor([len(e[2]) for e in encoded], dtype=torch.long)  # [M]
    bond_ptr = torch.cat([torch.zeros(1, dtype=torch.long), torch.cumsum(counts, 0)])  # [M + 1]
    return CompactMolecules(types=types, bonds=bonds, bond_ptr=bond_ptr,
                            smiles=[e[3] for e in encoded], indices=[e[0] for e in encoded],
                            failures=failures)


def compact_to_dense(types: Tensor, batch: Tensor, bonds: Tensor, num_types: int,
                     dtype: torch.dtype = torch.float32) -> tuple[Tensor, Tensor, Tensor]:
    """Integer arrays -> ``(x [M, N, A], adj [M, N, N], mask [M, N])`` float tensors.

    Args:
        types: ``[M, N]`` type columns, -1 on padding.
        batch: ``[E]`` molecule of each bond.
        bonds: ``[E, 3]`` rows ``(i, j, order)``.
        num_types: ``A``, the vocabulary size.
    """
    types = types.long()
    mask = types >= 0  # [M, N]
    x = torch.nn.functional.one_hot(types.clamp(min=0), num_types).to(dtype)  # [M, N, A]
    x = x * mask.unsqueeze(-1).to(dtype)
    adj = torch.zeros(types.shape[0], types.shape[1], types.shape[1], dtype=dtype)  # [M, N, N]
    order = bonds[:, 2].to(dtype)  # [E]
    adj[batch, bonds[:, 0], bonds[:, 1]] = order
    adj[batch, bonds[:, 1], bonds[:, 0]] = order
    return x, adj, mask


def encode_smiles(smiles: Sequence[str], vocabulary: AtomVocabulary,
                  max_nodes: int | None = None) -> DenseMolecules:
    """SMILES -> GDSS-format dense tensors (see :class:`DenseMolecules`).

    Example:
        >>> dense = encode_smiles(["CCO", "c1ccccc1"], QM9_ATOMS, max_nodes=9)
        >>> dense.x.shape, dense.adj.shape   # (2, 9, 4), (2, 9, 9)
    """
    compact = encode_compact(smiles, vocabulary, max_nodes)
    x, adj, mask = compact.dense(num_types=len(vocabulary))
    return DenseMolecules(x=x, adj=adj, mask=mask, indices=compact.indices,
                          failures=compact.failures)
