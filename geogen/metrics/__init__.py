"""Metrics: plain callables ``(samples, reference) -> dict[str, float]``; heavy imports are lazy."""

from geogen.metrics.fcd import fcd_against, fcd_score, fcd_statistics
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
]
