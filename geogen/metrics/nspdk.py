"""NSPDK MMD between molecule sets, GDSS protocol (eden-kernel).

Graphs: node label = the atom's element, edge label = ``int`` of the RDKit bond order (aromatic
1.5 becomes 1), from sanitised molecules. GDSS labels nodes with the symbol string; here the
element is labelled by its atomic number instead, which is the same labelling up to renaming:
eden hashes labels with Python's ``hash``, which is randomised per process for strings but not
for integers, so only integer labels give features that are reproducible across processes and
can be cached (with strings, even the hash collisions, hence the value, change from run to run). Features: ``eden.graph.vectorize(graphs, complexity=4,
discrete=True)`` (unit-normalised sparse vectors). GDSS's MMD with the linear kernel is
``mean(K_XX) + mean(K_YY) - 2 mean(K_XY)``; with a linear kernel this equals
``|mean(phi_X) - mean(phi_Y)|^2``, which is computed here from the mean feature vectors, so the
reference side is one cached sparse vector instead of an ``M x M`` kernel matrix.
"""

from __future__ import annotations

import numpy as np
import torch

from geogen.metrics.molecule_reference import MoleculeReference, cached_statistic

__all__ = ["mols_to_nx", "nspdk_features", "nspdk_mean_features", "nspdk_mmd", "nspdk_against"]


def mols_to_nx(mols, symbol_labels: bool = False) -> list:
    """RDKit Mols -> labelled networkx graphs (None entries skipped).

    Args:
        mols: sanitised molecules.
        symbol_labels: label atoms by symbol string exactly as GDSS does (not reproducible
            across processes, see the module doc); default: atomic number.
    """
    import networkx as nx

    graphs = []
    for mol in mols:
        if mol is None:
            continue
        graph = nx.Graph()
        for atom in mol.GetAtoms():
            label = atom.GetSymbol() if symbol_labels else atom.GetAtomicNum()
            graph.add_node(atom.GetIdx(), label=label)
        for bond in mol.GetBonds():
            graph.add_edge(bond.GetBeginAtomIdx(), bond.GetEndAtomIdx(),
                           label=int(bond.GetBondTypeAsDouble()))
        graphs.append(graph)
    return graphs


def nspdk_features(graphs: list):
    """Sparse ``[M, D]`` NSPDK feature matrix (empty graphs removed, as GDSS does)."""
    from eden.graph import vectorize

    graphs = [g for g in graphs if g.number_of_nodes() > 0]
    return vectorize(graphs, complexity=4, discrete=True)


def nspdk_mean_features(graphs: list) -> tuple[np.ndarray, np.ndarray]:
    """Mean feature vector as sparse ``(indices, values)`` (float64)."""
    features = nspdk_features(graphs)
    mean = np.asarray(features.mean(axis=0)).ravel()  # [D]
    indices = np.flatnonzero(mean)
    return indices, mean[indices]


def _mmd_from_means(first: tuple, second: tuple) -> float:
    size = int(max(first[0].max(initial=0), second[0].max(initial=0))) + 1
    a, b = np.zeros(size), np.zeros(size)
    a[first[0]], b[second[0]] = first[1], second[1]
    return float(a @ a + b @ b - 2 * a @ b)


def nspdk_mmd(graphs: list, reference_graphs: list) -> float:
    """NSPDK MMD between two lists of labelled networkx graphs (NaN if either is empty)."""
    if not any(g.number_of_nodes() for g in graphs) or not any(
            g.number_of_nodes() for g in reference_graphs):
        return float("nan")
    return _mmd_from_means(nspdk_mean_features(graphs), nspdk_mean_features(reference_graphs))


def nspdk_against(mols, reference: MoleculeReference) -> float:
    """NSPDK MMD of sanitised Mols against ``reference.test_smiles`` (cached mean vector)."""
    graphs = mols_to_nx(mols)
    if not any(g.number_of_nodes() for g in graphs):
        return float("nan")

    def compute() -> dict:
        from rdkit import Chem, rdBase

        with rdBase.BlockLogs():
            ref_mols = [Chem.MolFromSmiles(s) for s in reference.test_smiles]
        indices, values = nspdk_mean_features(mols_to_nx(ref_mols))
        return {"indices": torch.from_numpy(indices.astype(np.int64)),
                "values": torch.from_numpy(values.astype(np.float64))}

    cached = cached_statistic(reference, "nspdk_atomic_number", compute)
    return _mmd_from_means(nspdk_mean_features(graphs),
                           (cached["indices"].numpy(), cached["values"].numpy()))
