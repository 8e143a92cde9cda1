"""Fréchet ChemNet Distance through the ``fcd`` package (ChemNet weights ship with it).

``fcd_score(a, b)`` equals ``fcd.get_fcd(a, b)``; :func:`fcd_against` reuses cached reference
statistics (activation mean and covariance of the reference SMILES), which is what makes repeated
evaluation against the QM9 test split fast.
"""

from __future__ import annotations

import numpy as np
import torch

from geogen.metrics.molecule_reference import MoleculeReference, cached_statistic

__all__ = ["chemnet_activations", "fcd_statistics", "fcd_from_statistics", "fcd_score",
           "fcd_against"]


def chemnet_activations(smiles: list[str], device: str = "cpu", batch_size: int = 1024) -> np.ndarray:
    """``[M, 512]`` float32 ChemNet activations, identical to ``fcd.get_predictions``.

    Same one-hot input (``fcd``'s tokenizer, padded to 350 as the package does: padding changes
    the values), but each distinct SMILES is run once and batches are larger, which is what
    makes 10,000 samples affordable on two CPU cores.
    """
    import torch
    from fcd import load_ref_model
    from fcd.utils import SmilesDataset

    if len(smiles) == 0:
        return np.zeros((0, 512), dtype=np.float32)
    distinct = sorted(set(smiles))
    position = {s: k for k, s in enumerate(distinct)}
    dataset = SmilesDataset(distinct, warn=False)
    model = load_ref_model().to(device)
    outputs = []
    with torch.inference_mode():
        for start in range(0, len(distinct), batch_size):
            chunk = range(start, min(start + batch_size, len(distinct)))
            one_hot = np.stack([dataset[k] for k in chunk]).astype(np.float32)  # [b, 350, V]
            batch = torch.from_numpy(one_hot).to(device).transpose(1, 2)  # [b, V, 350]
            outputs.append(model(batch).cpu().numpy().astype(np.float32))
    activations = np.concatenate(outputs)  # [M_distinct, 512]
    return activations[[position[s] for s in smiles]]  # [M, 512]


def fcd_statistics(smiles: list[str], device: str = "cpu") -> dict[str, np.ndarray]:
    """ChemNet activation ``mu [512]`` and ``sigma [512, 512]`` (float64) of SMILES."""
    activations = chemnet_activations(list(smiles), device)  # [M, 512]
    return {"mu": np.mean(activations, axis=0), "sigma": np.cov(activations.T)}


def fcd_from_statistics(first: dict, second: dict) -> float:
    """Fréchet distance of two Gaussian activation statistics (the ``fcd`` formula)."""
    from fcd.utils import calculate_frechet_distance

    value = calculate_frechet_distance(mu1=np.asarray(first["mu"]), sigma1=np.asarray(first["sigma"]),
                                       mu2=np.asarray(second["mu"]), sigma2=np.asarray(second["sigma"]))
    return float(value)


def fcd_score(smiles: list[str], reference: list[str], device: str = "cpu") -> float:
    """FCD between two SMILES lists (NaN when either has fewer than 2 entries)."""
    if len(smiles) < 2 or len(reference) < 2:
        return float("nan")
    return fcd_from_statistics(fcd_statistics(smiles, device), fcd_statistics(reference, device))


def fcd_against(smiles: list[str], reference: MoleculeReference, device: str = "cpu") -> float:
    """FCD of ``smiles`` against ``reference.test_smiles``, with cached reference statistics."""
    if len(smiles) < 2 or len(reference.test_smiles) < 2:
        return float("nan")

    def compute() -> dict:
        stats = fcd_statistics(reference.test_smiles, device)
        # dtypes kept as the fcd package makes them (float32 mean, float64 covariance), so the
        # cached path gives bit-identical results
        return {"mu": torch.from_numpy(np.asarray(stats["mu"])),
                "sigma": torch.from_numpy(np.asarray(stats["sigma"]))}

    cached = cached_statistic(reference, "fcd", compute)
    reference_stats = {"mu": cached["mu"].numpy(), "sigma": cached["sigma"].numpy()}
    return fcd_from_statistics(fcd_statistics(smiles, device), reference_stats)
