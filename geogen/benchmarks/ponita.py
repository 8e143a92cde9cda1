"""PONITA forward+backward time and peak memory: N-body batch and fully connected QM9-size batch."""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import time

# Official implementation measured on the same 2-core machines (ANCHORS.md), for the ratios.
OFFICIAL = {"nbody": {"ms": 1032.0, "peak_gb": None, "params": 1.06e6},
            "qm9": {"ms": 14700.0, "peak_gb": 6.3, "params": None}}

# (graphs, nodes per graph, scalar in, vector in) of the two workloads
WORKLOADS = {"nbody": (100, 5, 1, 1), "qm9": (96, 18, 5, 0)}


def _batch(name: str, seed: int):
    import torch
    from torch_geometric.data import Batch, Data

    graphs, nodes, scalars, vectors = WORKLOADS[name]
    generator = torch.Generator().manual_seed(seed)
    data = []
    for _ in range(graphs):
        fields = {"pos": torch.randn(nodes, 3, generator=generator) * (1.0 if name == "nbody" else 1.5),
                  "x": torch.randn(nodes, scalars, generator=generator)}
        if vectors:
            fields["vec"] = torch.randn(nodes, vectors, 3, generator=generator)
        data.append(Data(**fields))
    return Batch.from_data_list(data)


def _model(name: str, args):
    from geogen.nn.ponita import PONITA

    _, _, scalars, vectors = WORKLOADS[name]
    chunk = args.edge_chunk_size if name == "qm9" else None
    mlp_dtype = "bfloat16" if getattr(args, "bf16_mlp", False) else None
    kernel_dtype = "bfloat16" if getattr(args, "bf16_kernels", False) else None
    return PONITA(in_channels=scalars, hidden_dim=128, out_channels=1 if name == "qm9" else 0,
                  out_vector_channels=1 if name == "nbody" else 0, num_layers=5, num_ori=args.num_ori,
                  in_vector_channels=vectors, basis_dim=256, degree=3, widening_factor=4, edge_chunk_size=chunk,
                  mlp_dtype=mlp_dtype, kernel_dtype=kernel_dtype)


def _peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux reports KiB


def run_workload(name: str, args) -> dict:
    """Median forward+backward (and forward-only) time over ``args.repeats`` after warm-up."""
    import torch

    torch.manual_seed(0)
    model, data = _model(name, args), _batch(name, seed=0)
    params = sum(p.numel() for p in model.parameters())

    def step(backward: bool) -> tuple[float, float]:
        start, cpu = time.perf_counter(), time.process_time()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            scalars, vectors = model(data)
            scalars, vectors = scalars.float(), vectors.float()
        if backward:
            (scalars.square().sum() + vectors.square().sum()).backward()
            model.zero_grad(set_to_none=True)
        return time.perf_counter() - start, time.process_time() - cpu

    repeats = args.repeats if name == "nbody" else max(3, args.repeats // 4)
    for _ in range(args.warmup):
        step(True)
    gc.collect()
    total = [step(True) for _ in range(repeats)]
    with torch.no_grad():
        forward = [step(False) for _ in range(repeats)]
    return {"name": name, "params": params, "ms": 1e3 * statistics.median(t for t, _ in total),
            "cpu_ms": 1e3 * statistics.median(c for _, c in total),
            "forward_ms": 1e3 * statistics.median(t for t, _ in forward), "repeats": repeats,
            "peak_rss_gb": _peak_rss_gb()}


def _precision(args) -> str:
    if args.bf16:
        return "bf16 autocast"
    parts = [name for flag, name in ((args.bf16_mlp, "MLPs"), (args.bf16_kernels, "kernel GEMMs")) if flag]
    return f"bf16 {' + '.join(parts)}" if parts else "fp32"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="geogen benchmark ponita", description=__doc__)
    parser.add_argument("--workload", choices=[*WORKLOADS, "all"], default="all",
                        help="run one workload per process for a clean peak-RSS figure")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--num-ori", type=int, default=16)
    parser.add_argument("--edge-chunk-size", type=int, default=4096,
                        help="edges per chunk for the QM9-size batch (memory-light path)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--bf16", action="store_true", help="bfloat16 autocast (mixed precision; fp32 is the default)")
    parser.add_argument("--bf16-mlp", action="store_true",
                        help="bfloat16 for the ConvNeXt point-wise MLPs only (PONITA(mlp_dtype='bfloat16'))")
    parser.add_argument("--bf16-kernels", action="store_true",
                        help="bfloat16 for the spatial kernel GEMMs (PONITA(kernel_dtype='bfloat16')); "
                             "combine with --bf16-mlp")
    args = parser.parse_args(argv)
    import torch

    from geogen.benchmarks.calibration import calibration_line
    from geogen.cpu_memory import tuning_enabled

    if args.threads:
        torch.set_num_threads(args.threads)
    names = list(WORKLOADS) if args.workload == "all" else [args.workload]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, num_ori {args.num_ori}, "
          f"{_precision(args)}, "
          f"malloc tuning {'on' if tuning_enabled() else 'off (GEOGEN_MALLOC_TUNING=0)'}")
    print(calibration_line())
    for name in names:
        result = run_workload(name, args)
        official = OFFICIAL[name]
        print(f"{name}: fwd+bwd {result['ms']:.0f} ms (median of {result['repeats']}; process CPU time "
              f"{result['cpu_ms']:.0f} ms), forward {result['forward_ms']:.0f} ms, "
              f"{result['params'] / 1e6:.3f} M params, peak RSS {result['peak_rss_gb']:.2f} GB (whole process); "
              f"official {official['ms']:.0f} ms -> {official['ms'] / result['ms']:.1f}x faster")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
