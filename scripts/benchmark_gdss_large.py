"""GDSS ScoreNetworkA on grid-size graphs: time, page faults and system time per forward call.

Usage: python scripts/benchmark_gdss_large.py [--graphs 20] [--nodes 361] [--calls 8] [--threads 2]
       [--trim-threshold BYTES]

Random symmetric inputs, the official grid configuration of the adjacency network (7 GMH layers,
C_hid 8, adim 32), inference mode. The allocator is set as the ``geogen`` command line sets it
(``geogen.cpu_memory.retain_freed_memory``; ``GEOGEN_MALLOC_TUNING=0`` leaves glibc's default);
``--trim-threshold`` replaces its default (never trim) by a finite threshold, for comparison.
"""

from __future__ import annotations

import argparse
import resource
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--graphs", type=int, default=20)
    parser.add_argument("--nodes", type=int, default=361)
    parser.add_argument("--calls", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--trim-threshold", type=int, default=None)
    args = parser.parse_args(argv)

    import torch

    from geogen.cpu_memory import retain_freed_memory
    from geogen.nn.gdss import ScoreNetworkA

    applied = retain_freed_memory(trim_threshold=args.trim_threshold)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    network = ScoreNetworkA(num_features=5, hidden_dim=32, attn_dim=32, num_layers=7, num_linears=2,
                            c_init=2, c_hid=8, c_final=4, num_heads=4).eval()
    b, n = args.graphs, args.nodes
    x = torch.randn(b, n, 5)
    adj = torch.rand(b, n, n)
    adj = (adj + adj.transpose(1, 2)) / 2
    adj.diagonal(dim1=1, dim2=2).zero_()
    mask = torch.ones(b, n, dtype=torch.bool)
    print(f"{b} graphs x {n} nodes, {args.threads} threads, malloc tuning "
          f"{'on' if applied else 'off'}, trim threshold {args.trim_threshold or 'never'}")
    with torch.inference_mode():
        for call in range(args.calls):
            before = resource.getrusage(resource.RUSAGE_SELF)
            start = time.perf_counter()
            network(x, adj, mask)
            seconds = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_SELF)
            print(f"call {call}: {seconds:.2f} s, {(after.ru_minflt - before.ru_minflt) * 4 / 1024:.0f} MB "
                  f"page-faulted, system {after.ru_stime - before.ru_stime:.2f} s, "
                  f"peak RSS {after.ru_maxrss / 2**20:.2f} GB", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
