"""Metrics: plain callables ``(samples, reference) -> dict[str, float]``; heavy imports are lazy."""

from geogen.metrics.fcd import fcd_against, fcd_score, fcd_statistics
from geogen.metrics.graph_orbits import orbit_counts
from geogen.metrics.graph_validity import SBMValidity, is_planar_graph, vun_metrics
from geogen.metrics.graphs import GDSS_MMDS, SPECTRE_MMDS, evaluate_graphs, graph_mmds
from geogen.metrics.molecule_reference import MoleculeReference, molecule_reference
from geogen.metrics.molecules import (
    DEFAULT_MOLECULE_METRICS,
    MOLECULE_METRICS,
    SampleSet,
    evaluate_molecules,
    novelty,
    uniqueness,
    validity,
)
from geogen.metrics.nspdk import mols_to_nx, nspdk_against, nspdk_mmd

__all__ = [
    "evaluate_molecules",
    "MOLECULE_METRICS",
    "DEFAULT_MOLECULE_METRICS",
    "SampleSet",
    "validity",
    "uniqueness",
    "novelty",
    "MoleculeReference",
    "molecule_reference",
    "fcd_score",
    "fcd_statistics",
    "fcd_against",
    "nspdk_mmd",
    "nspdk_against",
    "mols_to_nx",
    "evaluate_graphs",
    "graph_mmds",
    "GDSS_MMDS",
    "SPECTRE_MMDS",
    "orbit_counts",
    "vun_metrics",
    "is_planar_graph",
    "SBMValidity",
]
