"""Slim a training checkpoint for sampling: EMA weights baked in, no optimiser state.

Usage: python scripts/export_checkpoint.py RUN/checkpoints/last.ckpt OUT.ckpt [SAMPLER STEPS]
SAMPLER/STEPS (e.g. `s4 50`) replace the default sampler stored with the model by one of
configs/sampler/. This is how geogen/assets/gdss_qm9_default.ckpt is made from
`geogen train experiment=gdss_qm9` (with `s4 50`).
"""

import sys

from omegaconf import OmegaConf

from geogen.methods.checkpointing import (
    METADATA_KEY,
    load_geogen_checkpoint,
    load_method,
    save_geogen_checkpoint,
)
from geogen.paths import config_dir


def main(source: str, target: str, sampler: str | None = None, steps: str | None = None) -> None:
    config = load_geogen_checkpoint(source)[METADATA_KEY]["method_config"]
    if sampler is not None:
        chosen = OmegaConf.to_container(OmegaConf.load(config_dir() / "sampler" / f"{sampler}.yaml"))
        if steps is not None:
            chosen["num_steps"] = int(steps)
        config["sampler"] = {**chosen, "process": config["process"]}
    method = load_method(source, use_ema=True)
    if hasattr(method, "node_count_probs"):  # runs made before EMA skipped buffers averaged it
        method.node_count_probs /= method.node_count_probs.sum()
    from hydra.utils import instantiate

    method.sampler = instantiate(config["sampler"], _convert_="partial")
    save_geogen_checkpoint(method, config, target)
    params = sum(p.numel() for p in method.parameters())
    print(f"wrote {target}: {params} parameters (EMA weights), sampler {method.sampler!r}")


if __name__ == "__main__":
    main(*sys.argv[1:5])
