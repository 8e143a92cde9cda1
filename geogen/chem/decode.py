"""Dense tensors -> RDKit molecules, following GDSS's decoding protocol (harryjo97/GDSS).

The protocol, step by step (facts from GDSS's sampler and ``utils/mol_utils.py``):

1. Node types: every feature is thresholded at 0.5; an atom exists when at least one feature
   passes, and its type is the *first* feature that passes (GDSS appends a "virtual" column
   ``1 - sum`` and takes ``argmax``, which resolves ties to the first column). Nodes outside
   ``mask`` never exist.
2. Bonds: ``adj`` values ``< 0.5`` are no bond, ``[0.5, 1.5)`` single, ``[1.5, 2.5)`` double,
   ``>= 2.5`` triple; bonds to absent atoms are dropped; only one triangle (``i > j``) is read.
3. Construction adds bonds in row-major order of ``(i, j), i > j``; after each bond, if the first
   atom (by index) that breaks its valence is N, O or S and exceeds its default valence by
   exactly 1, it gets formal charge +1 (only for vocabularies without charged types).
4. Validity without correction: the constructed molecule passes RDKit's valence check.
5. Correction: while some atom breaks its valence, lower the order of the first such atom's
   strongest bond by one (removing single bonds).
6. Largest fragment: the longest fragment of the SMILES string, parsed again by RDKit (which
   fully sanitises it; None when that fails).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from geogen.chem.vocabulary import AtomVocabulary

__all__ = [
    "DecodedMolecules",
    "decode_dense",
    "quantize_atoms",
    "quantize_bonds",
    "build_mol",
    "first_valence_problem",
    "correct_valence",
    "largest_fragment",
    "canonical_smiles",
]

_DEFAULT_VALENCE = {"N": 3, "O": 2, "S": 2}


@dataclass
class DecodedMolecules:
    """The decoded batch.

    Attributes:
        mols: sanitised RDKit Mol per sample (after correction and fragment selection if
            requested), or None when the sample cannot be turned into a molecule.
        smiles: canonical SMILES per sample, or None.
        valid_without_correction: per sample, True when the constructed molecule passed the
            valence check before any correction (and its final Mol exists).
    """

    mols: list
    smiles: list[str | None]
    valid_without_correction: list[bool]

    @property
    def validity_without_correction(self) -> float:
        """Fraction of samples valid without correction (0 for an empty batch)."""
        flags = self.valid_without_correction
        return sum(flags) / len(flags) if flags else 0.0

    @property
    def validity(self) -> float:
        """Fraction of samples with a molecule after correction."""
        return sum(s is not None for s in self.smiles) / len(self.smiles) if self.smiles else 0.0


def quantize_atoms(x: Tensor, mask: Tensor | None = None) -> Tensor:
    """Atom type column per node, -1 where no atom exists (GDSS rule, see module doc).

    Shapes:
        x: ``[B, N, A]``; mask: ``[B, N]`` bool or None. Returns ``[B, N]`` long.
    """
    active = x > 0.5  # [B, N, A]
    exists = active.any(dim=-1)  # [B, N]
    if mask is not None:
        exists = exists & mask.bool()
    first = active.to(torch.int8).argmax(dim=-1)  # [B, N], argmax returns the first maximum
    return torch.where(exists, first, torch.full_like(first, -1))


def quantize_bonds(adj: Tensor) -> Tensor:
    """Bond orders 0/1/2/3 by the thresholds 0.5 / 1.5 / 2.5.

    Shapes:
        adj: ``[B, N, N]``. Returns ``[B, N, N]`` long.
    """
    return (adj >= 0.5).long() + (adj >= 1.5).long() + (adj >= 2.5).long()


def first_valence_problem(mol) -> tuple[int, int] | None:
    """``(atom index, explicit valence)`` of the first atom that breaks its valence, or None."""
    from rdkit import Chem

    problems = Chem.DetectChemistryProblems(mol, Chem.SanitizeFlags.SANITIZE_PROPERTIES)
    for problem in problems:
        if problem.GetType() == "AtomValenceException":
            atom = mol.GetAtomWithIdx(problem.GetAtomIdx())
            valence = int(sum(b.GetBondTypeAsDouble() for b in atom.GetBonds()))
            return atom.GetIdx(), valence + atom.GetNumExplicitHs()
    return None


def build_mol(types: list[int], bonds: list[tuple[int, int, int]], vocabulary: AtomVocabulary,
              charge_rule: bool = True):
    """Construct an RWMol from atom type columns and ``(i, j, order)`` bonds (in this order).

    Args:
        types: vocabulary column per atom (only existing atoms, in node order).
        bonds: ``(i, j, order)`` with indices into ``types``, order 1..3.
        vocabulary: gives symbol and formal charge of each column.
        charge_rule: apply GDSS's +1 charge on N/O/S exceeding their valence by exactly 1.
    """
    from rdkit import Chem

    bond_types = {1: Chem.BondType.SINGLE, 2: Chem.BondType.DOUBLE, 3: Chem.BondType.TRIPLE}
    symbols, charges = vocabulary.symbols, vocabulary.charges
    mol = Chem.RWMol()
    for column in types:
        atom = Chem.Atom(symbols[column])
        atom.SetFormalCharge(charges[column])
        mol.AddAtom(atom)
    for i, j, order in bonds:
        mol.AddBond(int(i), int(j), bond_types[int(order)])
        if not charge_rule:
            continue
        problem = first_valence_problem(mol)
        if problem is None:
            continue
        index, valence = problem
        atom = mol.GetAtomWithIdx(index)
        if valence - _DEFAULT_VALENCE.get(atom.GetSymbol(), -10) == 1:
            atom.SetFormalCharge(1)
    return mol


def correct_valence(mol):
    """GDSS valency correction, in place on an RWMol; returns it.

    While some atom breaks its valence, the first such atom's strongest bond (first in bond
    order among equals) loses one order; a single bond is removed.
    """
    from rdkit import Chem

    bond_types = {1: Chem.BondType.SINGLE, 2: Chem.BondType.DOUBLE}
    while (problem := first_valence_problem(mol)) is not None:
        bonds = list(mol.GetAtomWithIdx(problem[0]).GetBonds())
        if not bonds:
            break
        strongest = max(bonds, key=lambda b: int(b.GetBondTypeAsDouble()))  # first among ties
        begin, end = strongest.GetBeginAtomIdx(), strongest.GetEndAtomIdx()
        order = int(strongest.GetBondTypeAsDouble()) - 1
        mol.RemoveBond(begin, end)
        if order >= 1:
            mol.AddBond(begin, end, bond_types[order])
    return mol


def largest_fragment(mol):
    """The largest fragment as a sanitised Mol (GDSS: longest SMILES fragment), or None."""
    from rdkit import Chem

    if mol is None:
        return None
    try:
        smiles = Chem.MolToSmiles(mol, isomericSmiles=True)
    except Exception:  # RDKit raises several exception types on broken molecules
        return None
    fragments = sorted(smiles.split("."), key=len, reverse=True)  # stable: first among ties
    return Chem.MolFromSmiles(fragments[0]) if fragments and fragments[0] else None


def canonical_smiles(mol_or_smiles) -> str | None:
    """RDKit canonical (isomeric) SMILES of a Mol or SMILES string; None if invalid or empty."""
    from rdkit import Chem

    if mol_or_smiles is None:
        return None
    mol = Chem.MolFromSmiles(mol_or_smiles) if isinstance(mol_or_smiles, str) else mol_or_smiles
    if mol is None or mol.GetNumAtoms() == 0:
        return None
    return Chem.MolToSmiles(mol)


def _decode_one(types: list[int], bonds: list[tuple[int, int, int]], vocabulary: AtomVocabulary,
                correct: bool, fragment: bool):
    from rdkit import Chem

    if not types:
        return None, False
    mol = build_mol(types, bonds, vocabulary, charge_rule=not vocabulary.keeps_charges)
    valid = first_valence_problem(mol) is None
    if correct:
        correct_valence(mol)
    elif not valid:
        return None, False
    if fragment:
        final = largest_fragment(mol)
    else:
        final = Chem.MolFromSmiles(Chem.MolToSmiles(mol))
    if final is None or final.GetNumAtoms() == 0:
        return None, False
    return final, valid


def decode_dense(x: Tensor, adj: Tensor, vocabulary: AtomVocabulary, mask: Tensor | None = None,
                 correct: bool = True, largest_fragment_only: bool = True) -> DecodedMolecules:
    """Decode a batch of dense graphs into molecules with GDSS's rules (see module doc).

    Args:
        x: ``[B, N, A]`` node features (one column per vocabulary type; values near 0/1).
        adj: ``[B, N, N]`` bond orders (continuous; thresholded at 0.5/1.5/2.5).
        vocabulary: the atom types of the columns of ``x``.
        mask: optional ``[B, N]`` bool, nodes outside it never exist.
        correct: apply GDSS's valency correction (False: invalid samples give None).
        largest_fragment_only: keep the largest fragment (GDSS default).

    Returns:
        :class:`DecodedMolecules` with one entry per sample.
    """
    from rdkit import rdBase

    if x.shape[-1] != len(vocabulary):
        raise ValueError(f"x has {x.shape[-1]} feature columns, vocabulary {len(vocabulary)} types")
    types = quantize_atoms(x.detach().cpu(), None if mask is None else mask.detach().cpu())
    orders = quantize_bonds(adj.detach().cpu().float())  # [B, N, N]
    mols, smiles, flags = [], [], []
    with rdBase.BlockLogs():
        for b in range(types.shape[0]):
            nodes = (types[b] >= 0).nonzero().flatten().tolist()
            position = {node: k for k, node in enumerate(nodes)}
            lower = torch.tril(orders[b], diagonal=-1)  # [N, N], i > j
            pairs = lower.nonzero().tolist()  # row-major: i ascending, then j ascending
            bonds = [(position[i], position[j], int(lower[i, j])) for i, j in pairs
                     if i in position and j in position]
            mol, valid = _decode_one([int(types[b, n]) for n in nodes], bonds, vocabulary,
                                     correct, largest_fragment_only)
            mols.append(mol)
            smiles.append(canonical_smiles(mol))
            flags.append(bool(valid and mol is not None))
    return DecodedMolecules(mols=mols, smiles=smiles, valid_without_correction=flags)
