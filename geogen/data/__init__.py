"""State containers, datasets and datamodules.

Molecule loaders import RDKit/pandas lazily; the datamodule (Lightning) is imported from
``geogen.data.molecule_datamodule`` and ``geogen.data.graph_datamodule``.
"""

from geogen.data.graph_convert import dense_to_graphs, graphs_to_dense
from geogen.data.graph_generators import planar_graphs, sbm_graphs
from geogen.data.graphs import GRAPH_DATASETS, graph_dataset_info, load_graphs
from geogen.data.molecule_registry import MOLECULE_DATASETS, load_molecules, molecule_source
from geogen.data.molecules import (
    MoleculeCollection,
    MoleculeDataset,
    cached_collection,
    collate_dense_graphs,
)
from geogen.data.moses import load_moses, moses_smiles
from geogen.data.qm9 import load_qm9
from geogen.data.qm9_3d import QM9Geometry, load_qm9_3d
from geogen.data.smiles import load_smiles_dataset, read_smiles_file
from geogen.data.states import DenseGraph, PointCloud, State, Trajectory
from geogen.data.zinc import load_zinc250k

__all__ = [
    "DenseGraph",
    "PointCloud",
    "Trajectory",
    "State",
    "MoleculeCollection",
    "MoleculeDataset",
    "cached_collection",
    "collate_dense_graphs",
    "MOLECULE_DATASETS",
    "load_molecules",
    "molecule_source",
    "load_qm9",
    "load_qm9_3d",
    "QM9Geometry",
    "load_zinc250k",
    "load_moses",
    "moses_smiles",
    "load_smiles_dataset",
    "read_smiles_file",
    "GRAPH_DATASETS",
    "load_graphs",
    "graph_dataset_info",
    "graphs_to_dense",
    "dense_to_graphs",
    "planar_graphs",
    "sbm_graphs",
]
