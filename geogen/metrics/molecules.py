"""Molecule metrics: validity, uniqueness, novelty (MOSES definitions), FCD, NSPDK and more.

Definitions (MOSES, as GDSS reports them):

- ``validity``: share of samples that RDKit parses and sanitises into a non-empty molecule
  (``None``/empty samples count as invalid).
- ``validity_without_correction``: given per-sample flags from :func:`geogen.chem.decode_dense`,
  the share of samples valid before GDSS's valency correction.
- ``uniqueness``: distinct canonical SMILES among the valid samples / number of valid samples.
- ``novelty``: distinct valid canonical SMILES not in the training set / distinct valid ones.
- ``fcd``: FCD of the valid canonical SMILES (all, not deduplicated) against the test split.
- ``nspdk``: NSPDK MMD of the valid molecules against the test split (GDSS protocol).

Every metric is a plain function of a :class:`SampleSet`; :func:`evaluate_molecules` runs the
requested ones and records the seconds each took in ``timings`` when a dict is passed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from geogen.metrics.molecule_reference import MoleculeReference, molecule_reference

__all__ = ["SampleSet", "MOLECULE_METRICS", "DEFAULT_MOLECULE_METRICS", "evaluate_molecules",
           "validity", "uniqueness", "novelty"]


@dataclass
class SampleSet:
    """Parsed samples: ``canonical[i]`` is the canonical SMILES of sample ``i`` or None."""

    samples: list
    canonical: list[str | None]
    mols: list
    device: str = "cpu"

    @classmethod
    def parse(cls, samples: Sequence, device: str = "cpu") -> "SampleSet":
        from rdkit import Chem, rdBase

        canonical, mols = [], []
        with rdBase.BlockLogs():
            for sample in samples:
                mol = _to_mol(sample)
                mols.append(mol)
                canonical.append(Chem.MolToSmiles(mol) if mol is not None else None)
        return cls(samples=list(samples), canonical=canonical, mols=mols, device=device)

    @property
    def valid_smiles(self) -> list[str]:
        return [s for s in self.canonical if s is not None]

    @property
    def valid_mols(self) -> list:
        return [m for m in self.mols if m is not None]


def _to_mol(sample):
    from rdkit import Chem

    if sample is None:
        return None
    if isinstance(sample, str):
        text = sample.strip()
        mol = Chem.MolFromSmiles(text) if text else None
    else:
        mol = Chem.Mol(sample)
        try:
            Chem.SanitizeMol(mol)
        except Exception:  # RDKit raises several sanitisation exception types
            return None
    return mol if mol is not None and mol.GetNumAtoms() > 0 else None


def validity(samples: SampleSet, reference: MoleculeReference | None = None) -> dict[str, float]:
    """``validity`` (share of samples that are valid molecules) and counts."""
    valid = len(samples.valid_smiles)
    total = len(samples.canonical)
    return {"validity": valid / total if total else 0.0, "num_samples": float(total),
            "num_valid": float(valid)}


def uniqueness(samples: SampleSet, reference: MoleculeReference | None = None) -> dict[str, float]:
    """``uniqueness``: distinct valid canonical SMILES / valid samples (NaN without valid ones)."""
    valid = samples.valid_smiles
    return {"uniqueness": len(set(valid)) / len(valid) if valid else float("nan")}


def novelty(samples: SampleSet, reference: MoleculeReference) -> dict[str, float]:
    """``novelty``: distinct valid SMILES absent from ``reference.train_smiles`` / distinct valid."""
    distinct = set(samples.valid_smiles)
    if not distinct:
        return {"novelty": float("nan")}
    return {"novelty": len(distinct - reference.train_set) / len(distinct)}


def _fcd(samples: SampleSet, reference: MoleculeReference) -> dict[str, float]:
    from geogen.metrics.fcd import fcd_against

    return {"fcd": fcd_against(samples.valid_smiles, reference, samples.device)}


def _nspdk(samples: SampleSet, reference: MoleculeReference) -> dict[str, float]:
    from geogen.metrics.nspdk import nspdk_against

    return {"nspdk": nspdk_against(samples.valid_mols, reference)}


def _moses_extra(samples: SampleSet, reference: MoleculeReference) -> dict[str, float]:
    from geogen.metrics.moses import moses_metrics

    return moses_metrics(samples.valid_smiles, reference.test_smiles)


def _properties(samples: SampleSet, reference: MoleculeReference) -> dict[str, float]:
    from geogen.metrics.molecules_properties import property_summary

    return property_summary(samples.valid_mols)


MOLECULE_METRICS: dict[str, Callable[[SampleSet, MoleculeReference], dict[str, float]]] = {
    "validity": validity,
    "uniqueness": uniqueness,
    "novelty": novelty,
    "fcd": _fcd,
    "nspdk": _nspdk,
    "moses": _moses_extra,
    "properties": _properties,
}
DEFAULT_MOLECULE_METRICS = ("validity", "uniqueness", "novelty", "fcd", "nspdk")


def evaluate_molecules(samples: Sequence, reference: str | MoleculeReference = "qm9", *,
                       metrics: Sequence[str] = DEFAULT_MOLECULE_METRICS,
                       valid_without_correction: Sequence[bool] | None = None,
                       root: str | os.PathLike | None = None, device: str = "cpu",
                       timings: dict[str, float] | None = None) -> dict[str, float]:
    """Evaluate generated molecules.

    Args:
        samples: SMILES strings, RDKit Mols or None (a failed sample), one per generated sample.
        reference: ``"qm9"``, ``"zinc250k"``, ``"moses"``, a SMILES file path, or a
            :class:`MoleculeReference`.
        metrics: names from :data:`MOLECULE_METRICS` (``"moses"`` adds SNN/Frag/Scaf/IntDiv/
            Filters, ``"properties"`` QED/SA/logP summaries).
        valid_without_correction: per-sample flags from decoding; adds
            ``validity_without_correction``.
        root: data root for the reference datasets and cached statistics.
        device: device for ChemNet (FCD).
        timings: if given, filled with wall seconds per metric (and ``"parse"``,
            ``"reference"``) and process CPU seconds per metric (``"<name>_cpu"``).

    Returns:
        Flat dict of floats; fractions lie in [0, 1].
    """
    unknown = [m for m in metrics if m not in MOLECULE_METRICS]
    if unknown:
        raise ValueError(f"unknown molecule metrics {unknown}; available: {list(MOLECULE_METRICS)}")
    timings = {} if timings is None else timings
    start = time.perf_counter()
    if isinstance(reference, str):
        reference = molecule_reference(reference, root)
    timings["reference"] = time.perf_counter() - start
    start = time.perf_counter()
    parsed = SampleSet.parse(samples, device=device)
    timings["parse"] = time.perf_counter() - start
    results: dict[str, float] = {}
    if valid_without_correction is not None:
        flags = list(valid_without_correction)
        results["validity_without_correction"] = sum(map(bool, flags)) / len(flags) if flags else 0.0
    for name in metrics:
        start, cpu = time.perf_counter(), time.process_time()
        results.update(MOLECULE_METRICS[name](parsed, reference))
        timings[name] = time.perf_counter() - start
        timings[f"{name}_cpu"] = time.process_time() - cpu
    return results
