"""Load the official GDSS checkpoints (harryjo97/GDSS) into geogen's score networks.

The official files are pickles of ``{"model_config", "params_x", "params_adj", "x_state_dict",
"adj_state_dict", ["ema_x", "ema_adj"]}`` whose configs are ``easydict.EasyDict`` objects; they
are read without that package by mapping the class to ``dict``.
"""

from __future__ import annotations

import pickle
import re
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from geogen.errors import GeogenError
from geogen.nn.gdss.score_adj import ScoreNetworkA
from geogen.nn.gdss.score_x import ScoreNetworkX, ScoreNetworkXGMH

__all__ = ["OfficialGDSSCheckpoint", "read_official_checkpoint", "ema_as_state_dict", "build_official_networks",
           "convert_state_dict_x", "convert_state_dict_adj"]


class _PlainDict(dict):
    """Stands in for ``easydict.EasyDict`` while unpickling."""

    def __setstate__(self, state):
        self.update(state)


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if module.startswith("easydict"):
            return _PlainDict
        return super().find_class(module, name)


_PICKLE_MODULE = types.SimpleNamespace(Unpickler=_Unpickler, load=lambda f, **kw: _Unpickler(f, **kw).load(),
                                       __name__="geogen_gdss_pickle")


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class OfficialGDSSCheckpoint:
    """The parts of an official GDSS checkpoint geogen uses."""

    config: dict
    params_x: dict
    params_adj: dict
    x_state_dict: dict[str, Tensor]
    adj_state_dict: dict[str, Tensor]
    ema_x: dict[str, Tensor] | None
    ema_adj: dict[str, Tensor] | None


def read_official_checkpoint(path: str | Path) -> OfficialGDSSCheckpoint:
    """Read an official ``gdss_*.pth``; GeogenError if it is not one."""
    path = Path(path)
    if not path.is_file():
        raise GeogenError(f"file not found: {path}")
    try:
        raw = torch.load(path, map_location="cpu", weights_only=False, pickle_module=_PICKLE_MODULE)
    except Exception as error:
        raise GeogenError(f"cannot read {path} as a PyTorch checkpoint ({type(error).__name__})") from None
    required = {"model_config", "params_x", "params_adj", "x_state_dict", "adj_state_dict"}
    if not isinstance(raw, dict) or not required <= set(raw):
        raise GeogenError(f"{path} is not an official GDSS checkpoint (expected keys {sorted(required)})")
    return OfficialGDSSCheckpoint(
        config=_plain(raw["model_config"]), params_x=_plain(raw["params_x"]),
        params_adj=_plain(raw["params_adj"]), x_state_dict=raw["x_state_dict"],
        adj_state_dict=raw["adj_state_dict"],
        ema_x=ema_as_state_dict(raw.get("ema_x"), raw["x_state_dict"]),
        ema_adj=ema_as_state_dict(raw.get("ema_adj"), raw["adj_state_dict"]))


def ema_as_state_dict(ema: dict | None, state: dict[str, Tensor]) -> dict[str, Tensor] | None:
    """An official EMA entry as a state dict (None stays None).

    Some official files (ENZYMES, grid) store the EMA object's state,
    ``{"decay", "num_updates", "shadow_params": [tensor, ...]}``, whose shadows follow the order
    of the network's state dict (the networks have no buffers); others store a state dict.

    Args:
        ema: the official EMA entry.
        state: the raw weights of the same network.
    """
    if ema is None or "shadow_params" not in ema:
        return ema
    shadows = ema["shadow_params"]
    if len(shadows) != len(state):
        raise GeogenError(f"the official EMA holds {len(shadows)} tensors, the network {len(state)}")
    for (key, raw), shadow in zip(state.items(), shadows):
        if raw.shape != shadow.shape:
            raise GeogenError(f"official EMA tensor for {key} has shape {tuple(shadow.shape)}, "
                              f"expected {tuple(raw.shape)}")
    return dict(zip(state.keys(), shadows))


def network_kwargs_x(params: dict) -> tuple[str, dict]:
    """``(class path, keyword arguments)`` of the node network described by official ``params_x``."""
    kind = params["model_type"]
    common = {"num_features": params["max_feat_num"], "depth": params["depth"], "hidden_dim": params["nhid"]}
    if kind == "ScoreNetworkX":
        return "geogen.nn.gdss.ScoreNetworkX", common
    if kind == "ScoreNetworkX_GMH":
        return "geogen.nn.gdss.ScoreNetworkXGMH", {
            **common, "num_linears": params["num_linears"], "c_init": params["c_init"],
            "c_hid": params["c_hid"], "c_final": params["c_final"], "attn_dim": params["adim"],
            "num_heads": params.get("num_heads", 4)}
    raise GeogenError(f"unsupported official node network {kind!r}")


def network_kwargs_adj(params: dict) -> tuple[str, dict]:
    """``(class path, keyword arguments)`` of the adjacency network of official ``params_adj``."""
    if params["model_type"] != "ScoreNetworkA":
        raise GeogenError(f"unsupported official adjacency network {params['model_type']!r}")
    if params.get("conv", "GCN") != "GCN":
        raise GeogenError("only the GCN attention of the official ScoreNetworkA is supported")
    return "geogen.nn.gdss.ScoreNetworkA", {
        "num_features": params["max_feat_num"], "hidden_dim": params["nhid"], "attn_dim": params["adim"],
        "num_layers": params["num_layers"], "num_linears": params["num_linears"],
        "c_init": params["c_init"], "c_hid": params["c_hid"], "c_final": params["c_final"],
        "num_heads": params.get("num_heads", 4)}


def _mlp_keys(state: dict[str, Tensor], old: str, new: str) -> dict[str, Tensor]:
    out = {}
    for key, value in state.items():
        if key.startswith(old + "."):
            rest = key[len(old) + 1:]
            rest = re.sub(r"^linear\.", "linears.0.", rest)  # one-layer official MLPs
            out[f"{new}.{rest}"] = value
    return out


def _attention_layers(state: dict[str, Tensor], prefix: str = "layers") -> dict[str, Tensor]:
    out: dict[str, Tensor] = {}
    layer_ids = sorted({int(m.group(1)) for k in state if (m := re.match(rf"{prefix}\.(\d+)\.attn", k))})
    for layer in layer_ids:
        base = f"{prefix}.{layer}"
        channels = sorted({int(m.group(1)) for k in state if (m := re.match(rf"{base}\.attn\.(\d+)\.", k))})
        weights, biases = [], []
        for c in channels:
            parts = [state[f"{base}.attn.{c}.gnn_{p}.weight"] for p in ("q", "k", "v")]
            weights.append(torch.cat(parts, dim=-1))  # [F, 2a + o]
            biases.append(torch.cat([state[f"{base}.attn.{c}.gnn_{p}.bias"] for p in ("q", "k", "v")]))
        out[f"{base}.weight"] = torch.stack(weights)  # [C, F, 2a + o]
        out[f"{base}.bias"] = torch.stack(biases)  # [C, 2a + o]
        out.update(_mlp_keys(state, f"{base}.mlp", f"{base}.edge_mlp"))
        out.update(_mlp_keys(state, f"{base}.multi_channel", f"{base}.node_mlp"))
    return out


def convert_state_dict_x(state: dict[str, Tensor], params: dict) -> dict[str, Tensor]:
    """Official node-network state dict -> geogen's parameter names."""
    out = _mlp_keys(state, "final", "final")
    if params["model_type"] == "ScoreNetworkX":
        for layer in range(params["depth"]):
            out[f"weights.{layer}"] = state[f"layers.{layer}.weight"]
            out[f"biases.{layer}"] = state[f"layers.{layer}.bias"]
    else:
        out.update(_attention_layers(state))
    return out


def convert_state_dict_adj(state: dict[str, Tensor], params: dict) -> dict[str, Tensor]:
    """Official ScoreNetworkA state dict -> geogen's parameter names.

    The official last layer's node MLP computes features nothing uses; geogen does not build
    it, so its weights are dropped.
    """
    unused = f"layers.{params['num_layers'] - 1}.node_mlp."
    converted = {**_mlp_keys(state, "final", "final"), **_attention_layers(state)}
    return {k: v for k, v in converted.items() if not k.startswith(unused)}


def _instantiate(target: str, kwargs: dict) -> nn.Module:
    classes = {"geogen.nn.gdss.ScoreNetworkX": ScoreNetworkX,
               "geogen.nn.gdss.ScoreNetworkXGMH": ScoreNetworkXGMH,
               "geogen.nn.gdss.ScoreNetworkA": ScoreNetworkA}
    return classes[target](**kwargs)


def build_official_networks(checkpoint: OfficialGDSSCheckpoint, use_ema: bool = False
                            ) -> tuple[nn.Module, nn.Module]:
    """geogen networks carrying the official weights (EMA weights if asked and present)."""
    target_x, kwargs_x = network_kwargs_x(checkpoint.params_x)
    target_adj, kwargs_adj = network_kwargs_adj(checkpoint.params_adj)
    state_x = checkpoint.ema_x if use_ema and checkpoint.ema_x else checkpoint.x_state_dict
    state_adj = checkpoint.ema_adj if use_ema and checkpoint.ema_adj else checkpoint.adj_state_dict
    net_x, net_adj = _instantiate(target_x, kwargs_x), _instantiate(target_adj, kwargs_adj)
    net_x.load_state_dict(convert_state_dict_x(state_x, checkpoint.params_x))
    net_adj.load_state_dict(convert_state_dict_adj(state_adj, checkpoint.params_adj))
    return net_x, net_adj
