"""Convert an official GDSS checkpoint whose EMA is stored in ``ExponentialMovingAverage`` form.

The official ENZYMES and grid files (``sample.use_ema: True``) keep ``ema_x`` / ``ema_adj`` as
``{"decay", "num_updates", "shadow_params": [tensor, ...]}``, the shadow parameters in the
order of the official module's ``parameters()``, i.e. of its state dict (the networks have no
buffers). ``geogen convert gdss-official`` expects state dicts there and fails with
``KeyError: 'layers.0.weight'``; this script turns the shadow list into a state dict first and
then runs the ordinary converter.

Usage: python scripts/gdss_convert_ema.py OFFICIAL.pth OUT.ckpt
"""

from __future__ import annotations

import dataclasses
import sys

from torch import Tensor

import geogen.methods.gdss_official as gdss_official
from geogen.errors import GeogenError
from geogen.nn.gdss.official import OfficialGDSSCheckpoint, read_official_checkpoint


def ema_as_state_dict(ema: dict | None, state: dict[str, Tensor]) -> dict[str, Tensor] | None:
    """``shadow_params`` list -> state dict with the raw state dict's keys (None stays None).

    Args:
        ema: the official EMA entry, either already a state dict or the EMA object's state.
        state: the raw weights of the same network, whose key order the shadows follow.
    """
    if ema is None or "shadow_params" not in ema:
        return ema
    shadows = ema["shadow_params"]
    if len(shadows) != len(state):
        raise GeogenError(f"EMA holds {len(shadows)} tensors, the network {len(state)}")
    out = {}
    for (key, raw), shadow in zip(state.items(), shadows):
        if raw.shape != shadow.shape:
            raise GeogenError(f"EMA tensor for {key} has shape {tuple(shadow.shape)}, expected {tuple(raw.shape)}")
        out[key] = shadow
    return out


def read_with_ema_state(path) -> OfficialGDSSCheckpoint:
    """:func:`read_official_checkpoint` with the EMA entries as state dicts."""
    ckpt = read_official_checkpoint(path)
    return dataclasses.replace(ckpt, ema_x=ema_as_state_dict(ckpt.ema_x, ckpt.x_state_dict),
                               ema_adj=ema_as_state_dict(ckpt.ema_adj, ckpt.adj_state_dict))


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1])
        return 2
    # the converter looks the reader up in its own module namespace
    gdss_official.read_official_checkpoint = read_with_ema_state
    config = gdss_official.convert_official_checkpoint(argv[0], argv[1])
    print(f"wrote {argv[1]} (sampler {config['sampler']['_target_']})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
