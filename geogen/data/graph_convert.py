"""Conversions between lists of networkx graphs and padded dense tensors (``DenseGraph``).

Node features follow GDSS's ``init_features('deg')``: the one-hot of each node's degree with
``max_feat_num`` classes, zero on padded nodes. Decoding follows GDSS's sampler: threshold the
adjacency at 0.5, drop self-loops, and (by default) drop isolated nodes, keeping one node when
nothing is left.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import torch
from torch import Tensor

from geogen.data.states import DenseGraph
from geogen.errors import GeogenError

__all__ = ["graphs_to_adjacency", "degree_features", "graphs_to_dense", "dense_to_graphs"]


def graphs_to_adjacency(graphs: list[nx.Graph], max_nodes: int) -> tuple[Tensor, Tensor]:
    """Pad graphs into a 0/1 adjacency tensor in each graph's own node order.

    Args:
        graphs: ``B`` undirected graphs with at most ``max_nodes`` nodes.
        max_nodes: the padded size ``N``.

    Returns:
        ``(adj, mask)``.

    Shapes:
        adj: ``[B, N, N]`` float32, symmetric, zero diagonal.
        mask: ``[B, N]`` bool, True for the first ``n_b`` (real) nodes.
    """
    adj = torch.zeros(len(graphs), max_nodes, max_nodes)
    mask = torch.zeros(len(graphs), max_nodes, dtype=torch.bool)
    for b, graph in enumerate(graphs):
        n = graph.number_of_nodes()
        if n > max_nodes:
            raise GeogenError(f"a graph has {n} nodes, more than max_nodes={max_nodes}")
        index = {node: i for i, node in enumerate(graph.nodes())}
        edges = [(index[u], index[v]) for u, v in graph.edges() if u != v]
        if edges:
            rows, cols = torch.tensor(edges, dtype=torch.long).t()  # [E], [E]
            adj[b, rows, cols] = 1.0
            adj[b, cols, rows] = 1.0
        mask[b, :n] = True
    return adj, mask


def degree_features(adj: Tensor, mask: Tensor, max_feat_num: int) -> Tensor:
    """GDSS's ``deg`` node features: one-hot degree, zero on padded nodes.

    Args:
        adj: ``[B, N, N]`` 0/1 adjacency.
        mask: ``[B, N]`` bool node mask.
        max_feat_num: number of degree classes ``F`` (degrees ``0..F-1``).

    Returns:
        ``[B, N, F]`` float features.
    """
    degree = adj.sum(dim=-1).long()  # [B, N]
    if degree.numel() and int(degree.max()) >= max_feat_num:
        raise GeogenError(f"a node has degree {int(degree.max())}, which max_feat_num="
                          f"{max_feat_num} cannot one-hot encode (needs max degree + 1)")
    x = torch.nn.functional.one_hot(degree, num_classes=max_feat_num).to(adj.dtype)  # [B, N, F]
    return x * mask.unsqueeze(-1).to(adj.dtype)


def graphs_to_dense(graphs: list[nx.Graph], max_nodes: int, max_feat_num: int) -> DenseGraph:
    """A :class:`DenseGraph` batch with one-hot degree features.

    Args:
        graphs: ``B`` graphs.
        max_nodes: padded node count ``N``.
        max_feat_num: one-hot degree classes ``F``.

    Returns:
        ``DenseGraph(x [B, N, F], adj [B, N, N], mask [B, N])``.
    """
    adj, mask = graphs_to_adjacency(graphs, max_nodes)
    return DenseGraph(x=degree_features(adj, mask, max_feat_num), adj=adj, mask=mask)


def dense_to_graphs(adj: Tensor, mask: Tensor | None = None, threshold: float = 0.5,
                    remove_isolated: bool = True) -> list[nx.Graph]:
    """Decode (generated) dense adjacencies into networkx graphs, as GDSS's sampler does.

    Args:
        adj: ``[B, N, N]`` edge values; an edge where ``adj >= threshold`` (upper triangle).
        mask: optional ``[B, N]`` bool; padded nodes are dropped.
        threshold: quantisation threshold (GDSS: 0.5).
        remove_isolated: drop nodes without edges (GDSS) and keep a single node if none is
            left; set False for protocols that keep isolated nodes (DiGress/SPECTRE).

    Returns:
        ``B`` graphs with nodes ``0..n-1``.
    """
    adj_np = adj.detach().cpu().numpy()
    mask_np = (np.ones(adj_np.shape[:2], dtype=bool) if mask is None
               else mask.detach().cpu().numpy().astype(bool))
    graphs = []
    for a, m in zip(adj_np, mask_np):
        nodes = np.flatnonzero(m)
        edges = np.argwhere(np.triu(a[np.ix_(nodes, nodes)] >= threshold, k=1))  # [E, 2]
        graph = nx.Graph()
        graph.add_nodes_from(range(len(nodes)))
        graph.add_edges_from(map(tuple, edges.tolist()))
        if remove_isolated:
            graph.remove_nodes_from(list(nx.isolates(graph)))
            graph = nx.convert_node_labels_to_integers(graph)
            if graph.number_of_nodes() == 0:
                graph.add_node(0)
        graphs.append(graph)
    return graphs
