"""QED, synthetic accessibility (RDKit Contrib SA_Score) and Crippen logP summaries."""

from __future__ import annotations

import numpy as np

__all__ = ["property_summary"]


def _sa_scorer():
    import os
    import sys

    from rdkit.Chem import RDConfig

    path = os.path.join(RDConfig.RDContribDir, "SA_Score")
    if path not in sys.path:
        sys.path.append(path)
    import sascorer

    return sascorer


def property_summary(mols: list) -> dict[str, float]:
    """Mean and standard deviation of QED, SA and logP over valid molecules."""
    from rdkit.Chem import QED, Crippen

    mols = [m for m in mols if m is not None]
    if not mols:
        return {k: float("nan") for k in ("qed_mean", "qed_std", "sa_mean", "sa_std", "logp_mean", "logp_std")}
    sascorer = _sa_scorer()
    values = {"qed": [QED.qed(m) for m in mols], "sa": [sascorer.calculateScore(m) for m in mols],
              "logp": [Crippen.MolLogP(m) for m in mols]}
    out = {}
    for name, series in values.items():
        out[f"{name}_mean"] = float(np.mean(series))
        out[f"{name}_std"] = float(np.std(series))
    return out
