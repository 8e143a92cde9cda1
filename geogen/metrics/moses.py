"""MOSES distribution metrics re-implemented on RDKit (the ``molsets`` package is broken).

Definitions follow MOSES (Polykovskiy et al. 2020):

- ``snn``: mean over generated molecules of the largest Tanimoto similarity to a reference
  molecule (Morgan fingerprints, radius 2, 1024 bits).
- ``frag``: cosine similarity of fragment count vectors (SMILES pieces of the molecule cut at
  its BRICS bonds).
- ``scaf``: cosine similarity of Bemis-Murcko scaffold count vectors (scaffolds with fewer than
  two rings are not counted, as in MOSES).
- ``int_div1`` / ``int_div2``: ``1 - (mean over all generated pairs, self-pairs included, of
  T^p)^(1/p)`` for p = 1, 2.
- ``filters``: share of molecules passing MOSES's rules that can be rebuilt offline: no ring
  larger than 8 atoms, no charged atom, only C, N, S, O, F, Cl, Br, H, and no PAINS match
  (RDKit's built-in PAINS A/B/C catalogue). **Gap:** MOSES's own ``mcf.csv`` (medicinal chemistry
  filters) and ``wehi_pains.csv`` SMARTS lists ship only inside ``molsets``; the MCF part is not
  applied, so ``filters`` here is an upper bound of MOSES's value.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

__all__ = ["moses_metrics", "snn", "fragment_similarity", "scaffold_similarity",
           "internal_diversity", "filters", "fragment_counts", "scaffold_counts"]

_ALLOWED = {"C", "N", "S", "O", "F", "Cl", "Br", "H"}


def _mols(smiles: list[str]) -> list:
    from rdkit import Chem, rdBase

    with rdBase.BlockLogs():
        return [m for m in (Chem.MolFromSmiles(s) for s in smiles) if m is not None]


def _fingerprints(mols: list) -> np.ndarray:
    """``[M, 1024]`` bool Morgan (radius 2) bit vectors."""
    from rdkit.Chem import rdFingerprintGenerator

    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=1024)
    return np.stack([generator.GetFingerprintAsNumPy(m).astype(bool) for m in mols]) if mols \
        else np.zeros((0, 1024), dtype=bool)


def _tanimoto_aggregate(first: np.ndarray, second: np.ndarray, reduce: str, power: int = 1,
                        chunk: int = 2048) -> np.ndarray:
    """Per row of ``first``: max or mean (of ``T^power``) Tanimoto similarity to ``second``."""
    a, b = first.astype(np.float32), second.astype(np.float32)
    sums_b = b.sum(axis=1)  # [M2]
    out = np.empty(len(a))
    for start in range(0, len(a), chunk):
        block = a[start:start + chunk]
        common = block @ b.T  # [c, M2]
        union = block.sum(axis=1, keepdims=True) + sums_b[None, :] - common
        similarity = np.where(union > 0, common / np.maximum(union, 1), 1.0)
        if reduce == "max":
            out[start:start + chunk] = similarity.max(axis=1)
        else:
            out[start:start + chunk] = (similarity ** power).mean(axis=1)
    return out


def snn(gen_mols: list, ref_mols: list) -> float:
    """Similarity to nearest neighbour in the reference set."""
    if not gen_mols or not ref_mols:
        return float("nan")
    return float(_tanimoto_aggregate(_fingerprints(gen_mols), _fingerprints(ref_mols), "max").mean())


def internal_diversity(gen_mols: list, power: int = 1) -> float:
    """IntDiv_p of the generated set."""
    if not gen_mols:
        return float("nan")
    fps = _fingerprints(gen_mols)
    return float(1 - _tanimoto_aggregate(fps, fps, "mean", power).mean() ** (1 / power))


def _cosine(first: Counter, second: Counter) -> float:
    keys = sorted(set(first) | set(second))
    if not keys:
        return float("nan")
    a = np.array([first.get(k, 0) for k in keys], dtype=np.float64)
    b = np.array([second.get(k, 0) for k in keys], dtype=np.float64)
    norm = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / norm) if norm > 0 else 0.0


def fragment_counts(mols: list) -> Counter:
    """Counts of the fragments left after cutting every BRICS bond (canonical SMILES)."""
    from rdkit import Chem
    from rdkit.Chem import AllChem

    counts: Counter = Counter()
    for mol in mols:
        counts.update(Chem.MolToSmiles(AllChem.FragmentOnBRICSBonds(mol)).split("."))
    return counts


def scaffold_counts(mols: list, min_rings: int = 2) -> Counter:
    """Counts of Bemis-Murcko scaffolds with at least ``min_rings`` rings (canonical SMILES)."""
    from rdkit import Chem
    from rdkit.Chem.Scaffolds import MurckoScaffold

    counts: Counter = Counter()
    for mol in mols:
        try:
            scaffold = MurckoScaffold.GetScaffoldForMol(mol)
        except (ValueError, RuntimeError):
            continue
        smiles = Chem.MolToSmiles(scaffold)
        if smiles and scaffold.GetRingInfo().NumRings() >= min_rings:
            counts[smiles] += 1
    return counts


def fragment_similarity(gen_mols: list, ref_mols: list) -> float:
    return _cosine(fragment_counts(gen_mols), fragment_counts(ref_mols))


def scaffold_similarity(gen_mols: list, ref_mols: list) -> float:
    return _cosine(scaffold_counts(gen_mols), scaffold_counts(ref_mols))


def filters(mols: list) -> float:
    """Share of molecules passing the offline-available MOSES filters (see module doc)."""
    from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams

    if not mols:
        return float("nan")
    params = FilterCatalogParams()
    params.AddCatalog(FilterCatalogParams.FilterCatalogs.PAINS)
    catalog = FilterCatalog(params)

    def passes(mol) -> bool:
        ring_sizes = [len(r) for r in mol.GetRingInfo().AtomRings()]
        if ring_sizes and max(ring_sizes) > 8:
            return False
        if any(a.GetFormalCharge() != 0 or a.GetSymbol() not in _ALLOWED for a in mol.GetAtoms()):
            return False
        return not catalog.HasMatch(mol)

    return sum(passes(m) for m in mols) / len(mols)


def moses_metrics(gen_smiles: list[str], ref_smiles: list[str]) -> dict[str, float]:
    """SNN, Frag, Scaf, IntDiv1/2 and Filters of valid generated SMILES against a reference."""
    gen, ref = _mols(gen_smiles), _mols(ref_smiles)
    return {"snn": snn(gen, ref), "frag": fragment_similarity(gen, ref),
            "scaf": scaffold_similarity(gen, ref), "int_div1": internal_diversity(gen, 1),
            "int_div2": internal_diversity(gen, 2), "filters": filters(gen)}
