"""Turn an official GDSS checkpoint into a geogen GDSS checkpoint (``geogen convert gdss-official``).

The official file holds the two networks' weights and the training config; geogen's
checkpoint also needs the sampler (the official sample config of that dataset), the output
kind and the node-count distribution of the training graphs (GDSS's ``init_flags``), which
comes from the matching geogen dataset.
"""

from __future__ import annotations

from pathlib import Path

import torch

from geogen.errors import GeogenError
from geogen.nn.gdss.official import (
    build_official_networks,
    network_kwargs_adj,
    network_kwargs_x,
    read_official_checkpoint,
)

__all__ = ["official_method_config", "convert_official_checkpoint", "node_counts_from_smiles",
           "OFFICIAL_DATASETS"]

# official data name -> (geogen dataset, molecule atom types or None for plain graphs)
OFFICIAL_DATASETS = {
    "QM9": ("qm9", ["C", "N", "O", "F"]),
    "ZINC250k": ("zinc250k", ["C", "N", "O", "F", "P", "S", "Cl", "Br", "I"]),
    "community_small": ("community_small", None),
    "ego_small": ("ego_small", None),
    "ENZYMES": ("ENZYMES", None),
    "grid": ("grid", None),
}

# The official sample_<dataset>.yaml settings; the graph checkpoints also carry theirs.
_MOLECULE_SAMPLERS = {
    "QM9": {"predictor": "Reverse", "corrector": "Langevin", "snr": 0.2, "scale_eps": 0.7},
    "ZINC250k": {"predictor": "Reverse", "corrector": "Langevin", "snr": 0.2, "scale_eps": 0.9},
}


def _sde_config(official: dict) -> tuple[dict, dict]:
    """geogen SDE config and parameterisation for one official ``sde`` entry.

    GDSS's configs name the VE sigmas ``beta_min``/``beta_max``; they are sigmas there.
    """
    kind = official["type"]
    if kind == "VE":
        return ({"_target_": "geogen.diffusion.VESDE", "sigma_min": official["beta_min"],
                 "sigma_max": official["beta_max"], "num_scales": official["num_scales"]},
                {"_target_": "geogen.diffusion.ScoreParameterization"})
    targets = {"VP": "geogen.diffusion.VPSDE", "subVP": "geogen.diffusion.SubVPSDE"}
    if kind not in targets:
        raise GeogenError(f"unsupported official SDE type {kind!r}")
    return ({"_target_": targets[kind], "beta_min": official["beta_min"],
             "beta_max": official["beta_max"], "num_scales": official["num_scales"]},
            {"_target_": "geogen.diffusion.EpsParameterization"})


def _sampler_config(settings: dict, eps: float) -> dict:
    if settings["predictor"] == "S4":
        return {"_target_": "geogen.diffusion.S4Sampler", "snr": settings["snr"],
                "scale_eps": settings["scale_eps"], "eps": eps}
    predictors = {"Reverse": "geogen.diffusion.ReverseDiffusion", "Euler": "geogen.diffusion.EulerMaruyama"}
    corrector = ({"_target_": "geogen.diffusion.Langevin", "snr": settings["snr"],
                  "scale_eps": settings["scale_eps"], "n_steps": settings.get("n_steps", 1)}
                 if settings["corrector"] == "Langevin" else {"_target_": "geogen.diffusion.NoneCorrector"})
    return {"_target_": "geogen.diffusion.PCSampler",
            "predictor": {"_target_": predictors[settings["predictor"]]}, "corrector": corrector,
            "eps": eps}


def official_method_config(config: dict, params_x: dict, params_adj: dict) -> dict:
    """The geogen GDSS method config (Hydra ``_target_`` dict) of an official checkpoint."""
    data_name = config["data"]["data"]
    if data_name not in OFFICIAL_DATASETS:
        raise GeogenError(f"unknown official GDSS dataset {data_name!r}")
    _, atom_types = OFFICIAL_DATASETS[data_name]
    target_x, kwargs_x = network_kwargs_x(params_x)
    target_adj, kwargs_adj = network_kwargs_adj(params_adj)
    sde_x, param_x = _sde_config(config["sde"]["x"])
    sde_adj, param_adj = _sde_config(config["sde"]["adj"])
    process = {"_target_": "geogen.diffusion.JointSDE", "sdes": {"x": sde_x, "adj": sde_adj},
               "spaces": {"x": {"_target_": "geogen.diffusion.MaskedNodeSpace"},
                          "adj": {"_target_": "geogen.diffusion.SymmetricAdjacencySpace"}}}
    settings = config.get("sampler") or _MOLECULE_SAMPLERS[data_name]
    eps = float((config.get("sample") or {}).get("eps", 1e-4))
    output = ({"_target_": "geogen.methods.outputs.MoleculeOutput", "atom_types": atom_types}
              if atom_types else {"_target_": "geogen.methods.outputs.GraphOutput", "threshold": 0.5})
    return {
        "_target_": "geogen.methods.gdss.GDSS",
        "denoiser": {"_target_": "geogen.methods.gdss.GDSSDenoiser",
                     "x_network": {"_target_": target_x, **kwargs_x},
                     "adj_network": {"_target_": target_adj, **kwargs_adj}},
        "process": process,
        "parameterizations": {"x": param_x, "adj": param_adj},
        "sampler": {**_sampler_config(settings, eps), "process": process},
        "output": output,
        "max_nodes": int(params_adj["max_node_num"]),
        "num_features": int(params_x["max_feat_num"]),
        "lr": config["train"]["lr"], "weight_decay": config["train"]["weight_decay"],
        "lr_decay": config["train"]["lr_decay"], "grad_clip": config["train"]["grad_norm"],
        "train_eps": config["train"]["eps"],
    }


def _node_count_distribution(dataset: str, max_nodes: int) -> torch.Tensor:
    if dataset in ("qm9", "zinc250k"):
        from geogen.data.molecule_datamodule import MoleculeDataModule

        probs = MoleculeDataModule(dataset=dataset).node_count_distribution
    else:
        from geogen.data.graph_datamodule import GraphDataModule

        probs = GraphDataModule(dataset=dataset, max_nodes=max_nodes).node_count_distribution
    return torch.as_tensor(probs, dtype=torch.float32)


def node_counts_from_smiles(path: str | Path, max_nodes: int) -> torch.Tensor:
    """``[max_nodes + 1]`` heavy-atom-count distribution of the molecules in a SMILES file.

    For official checkpoints whose training data is not at hand (ZINC250k's CSV is not
    mirrored): any representative SMILES file gives the node counts to sample with.
    """
    from rdkit import Chem, rdBase

    from geogen.data.smiles import read_smiles_file

    counts = torch.zeros(max_nodes + 1)
    with rdBase.BlockLogs():
        for smiles in read_smiles_file(path):
            mol = Chem.MolFromSmiles(smiles)
            if mol is not None and 0 < mol.GetNumAtoms() <= max_nodes:
                counts[mol.GetNumAtoms()] += 1
    if counts.sum() == 0:
        raise GeogenError(f"{path} has no valid molecule of at most {max_nodes} heavy atoms")
    return counts / counts.sum()


def convert_official_checkpoint(source: str | Path, out: str | Path, *,
                                node_counts: torch.Tensor | None = None,
                                node_counts_from: str | Path | None = None) -> dict:
    """Write a geogen checkpoint for an official GDSS file; returns its method config.

    Args:
        source: the official ``gdss_*.pth``.
        out: the geogen checkpoint to write.
        node_counts: ``[max_nodes + 1]`` node-count probabilities; default: from the dataset
            the official config names (its training split).
        node_counts_from: a SMILES file to take them from instead (see
            :func:`node_counts_from_smiles`).
    """
    from hydra.utils import instantiate

    from geogen.methods.checkpointing import save_geogen_checkpoint

    official = read_official_checkpoint(source)
    config = official_method_config(official.config, official.params_x, official.params_adj)
    method = instantiate(config, _convert_="partial")
    net_x, net_adj = build_official_networks(official, use_ema=False)
    method.denoiser.x_network.load_state_dict(net_x.state_dict())
    method.denoiser.adj_network.load_state_dict(net_adj.state_dict())
    if node_counts is None and node_counts_from is not None:
        node_counts = node_counts_from_smiles(node_counts_from, config["max_nodes"])
    if node_counts is None:
        dataset = OFFICIAL_DATASETS[official.config["data"]["data"]][0]
        node_counts = _node_count_distribution(dataset, config["max_nodes"])
    method.node_count_probs[: node_counts.numel()] = node_counts
    ema_state = None
    use_ema = bool((official.config.get("sample") or {}).get("use_ema", False))
    if use_ema and official.ema_x is not None:
        ema_x, ema_adj = build_official_networks(official, use_ema=True)
        ema_state = {**{f"denoiser.x_network.{k}": v for k, v in ema_x.state_dict().items()},
                     **{f"denoiser.adj_network.{k}": v for k, v in ema_adj.state_dict().items()}}
    save_geogen_checkpoint(method, config, out, ema_state=ema_state)
    return config
