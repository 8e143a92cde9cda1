"""GDSS (Jo et al., ICML 2022): score-based graph generation with a system of SDEs.

A thin LightningModule: the denoiser (two score networks), the process (a :class:`JointSDE` on
``x`` and ``adj``), the parameterisation of each network's output and a default sampler are
injected; this module only defines the loss (denoising score matching, summed per graph), the
optimiser and how node counts for new samples are drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

import lightning as L
import torch
from torch import Tensor, nn

from geogen.data.states import DenseGraph
from geogen.diffusion import DenoiserScoreFn, JointSDE, Parameterization, Sampler
from geogen.errors import GeogenError
from geogen.methods.outputs import GraphOutputKind
from geogen.methods.size_buckets import BucketedDenoiser

__all__ = ["GDSS", "GDSSDenoiser", "GDSSLoss", "GraphSamples"]


class GDSSDenoiser(nn.Module):
    """Two networks, one per component: ``x_network(x, adj, mask, t)`` and ``adj_network(...)``.

    Any graph backbone with that call signature fits (GDSS's ScoreNetworkX/ScoreNetworkA, or a
    sheaf-diffusion / PPGN backbone wrapped with node and edge heads).
    """

    def __init__(self, *, x_network: nn.Module, adj_network: nn.Module) -> None:
        super().__init__()
        self.x_network = x_network
        self.adj_network = adj_network

    def forward(self, state: DenseGraph, t: Tensor) -> dict[str, Tensor]:
        """``{"x": [B, N, F], "adj": [B, N, N]}`` raw network outputs for per-graph times ``t [B]``."""
        return {"x": self.x_network(state.x, state.adj, state.mask, t),
                "adj": self.adj_network(state.x, state.adj, state.mask, t)}


@dataclass(frozen=True)
class GDSSLoss:
    """Per-component denoising score-matching losses (batch means of per-graph sums)."""

    x: Tensor
    adj: Tensor

    @property
    def total(self) -> Tensor:
        return self.x + self.adj


@dataclass(frozen=True)
class GraphSamples:
    """Generated graphs with how they were made."""

    state: DenseGraph
    nfe: int
    seconds: float


class GDSS(L.LightningModule):
    """GDSS as a LightningModule.

    Args:
        denoiser: :class:`GDSSDenoiser`.
        process: the joint SDE (components ``x`` and ``adj`` with their noise spaces).
        parameterizations: what each network outputs (GDSS: the score for VE components, the
            noise for VP ones), by component name.
        sampler: the default sampler (GDSS: reverse diffusion + Langevin, or S4).
        output: what the graphs are (:class:`MoleculeOutput` or :class:`GraphOutput`).
        max_nodes: padding size ``N``.
        num_features: node feature size ``F``.
        lr, weight_decay, lr_decay: Adam and the per-epoch ExponentialLR factor.
        grad_clip: gradient-norm clip applied to each network separately (as GDSS does).
        train_eps: smallest training time, ``t ~ U(train_eps, T)``.
    """

    def __init__(self, *, denoiser: GDSSDenoiser, process: JointSDE,
                 parameterizations: dict[str, Parameterization], sampler: Sampler,
                 output: GraphOutputKind, max_nodes: int, num_features: int, lr: float = 5e-3, weight_decay: float = 1e-4,
                 lr_decay: float = 0.999, grad_clip: float | None = 1.0,
                 train_eps: float = 1e-5) -> None:
        super().__init__()
        self.denoiser = denoiser
        self.process = process
        self.parameterizations = dict(parameterizations)
        self.sampler = sampler
        self.output = output
        self.max_nodes = max_nodes
        self.num_features = num_features
        self.lr, self.weight_decay, self.lr_decay = lr, weight_decay, lr_decay
        self.grad_clip = grad_clip
        self.train_eps = train_eps
        # Node-count distribution of the training graphs, filled at fit start and saved with
        # the weights, so that sampling needs no dataset.
        self.register_buffer("node_count_probs", torch.zeros(max_nodes + 1))

    # ---- training ----
    def loss(self, batch: DenseGraph, generator: torch.Generator | None = None) -> GDSSLoss:
        """DSM loss ``0.5 * sum ||score * sigma + z||^2`` per graph and component, batch mean."""
        size = batch.batch_size
        t = torch.rand(size, device=batch.device, generator=generator, dtype=batch.x.dtype)
        t = t * (self.process.T - self.train_eps) + self.train_eps  # [B]
        perturbed = self.process.perturb(batch, t, generator)
        outputs = self.denoiser(perturbed.state, t)
        noisy = perturbed.state.components()
        losses = {}
        for name, param in self.parameterizations.items():
            alpha, sigma = perturbed.alpha[name], perturbed.sigma[name]
            score = param.to_score(outputs[name], noisy[name], alpha, sigma)
            residual = (score * sigma + perturbed.noise[name]).reshape(size, -1)  # [B, D]
            losses[name] = 0.5 * residual.square().sum(dim=1).mean()
        return GDSSLoss(x=losses["x"], adj=losses["adj"])

    def training_step(self, batch: DenseGraph, batch_idx: int) -> Tensor:
        loss = self.loss(batch)
        if not torch.isfinite(loss.total):
            raise GeogenError(f"the training loss became {loss.total.item()} at step "
                              f"{self.global_step}; lower the learning rate or check the data")
        self.log_dict({"train/loss_x": loss.x, "train/loss_adj": loss.adj},
                      prog_bar=True, batch_size=batch.batch_size)
        return loss.total

    def validation_step(self, batch: DenseGraph, batch_idx: int) -> None:
        generator = torch.Generator(device=batch.device).manual_seed(batch_idx)
        loss = self.loss(batch, generator)
        self.log_dict({"val/loss_x": loss.x, "val/loss_adj": loss.adj, "val/loss": loss.total},
                      prog_bar=True, batch_size=batch.batch_size)

    def transfer_batch_to_device(self, batch, device, dataloader_idx: int):
        return batch.to(device) if isinstance(batch, DenseGraph) else super().transfer_batch_to_device(
            batch, device, dataloader_idx)

    def configure_optimizers(self):
        optimizer = torch.optim.Adam(self.denoiser.parameters(), lr=self.lr,
                                     weight_decay=self.weight_decay)
        scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=self.lr_decay)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "epoch"}}

    def configure_gradient_clipping(self, optimizer, gradient_clip_val=None,
                                    gradient_clip_algorithm=None) -> None:
        if self.grad_clip:
            for network in (self.denoiser.x_network, self.denoiser.adj_network):
                torch.nn.utils.clip_grad_norm_(network.parameters(), self.grad_clip)

    def on_fit_start(self) -> None:
        datamodule = getattr(self.trainer, "datamodule", None)
        probs = getattr(datamodule, "node_count_distribution", None)
        if probs is not None and float(self.node_count_probs.sum()) == 0.0:
            probs = torch.as_tensor(probs, dtype=self.node_count_probs.dtype)
            if probs.numel() > self.node_count_probs.numel():
                raise GeogenError(f"the data has graphs of {probs.numel() - 1} nodes but the model "
                                  f"was built for max_nodes={self.max_nodes}")
            self.node_count_probs[: probs.numel()] = probs.to(self.node_count_probs.device)

    # ---- sampling ----
    def score_fn(self, max_pairs: int | None = None) -> DenoiserScoreFn:
        """The sampler-facing score function of the current weights.

        Args:
            max_pairs: call the networks in size buckets (see :meth:`sample`).
        """
        denoiser = self.denoiser if max_pairs is None else BucketedDenoiser(self.denoiser,
                                                                             max_pairs=max_pairs)
        return DenoiserScoreFn(denoiser, self.process, self.parameterizations)

    def draw_node_counts(self, num_samples: int, generator: torch.Generator | None = None) -> Tensor:
        """``[num_samples]`` node counts drawn from the training node-count distribution (on the CPU)."""
        if float(self.node_count_probs.sum()) <= 0:
            raise GeogenError("this model has no node-count distribution (it was never fitted)")
        return torch.multinomial(self.node_count_probs.float().cpu(), num_samples, replacement=True,
                                 generator=generator)

    def template(self, num_samples: int, generator: torch.Generator | None = None,
                 counts: Tensor | None = None) -> DenseGraph:
        """An all-zero DenseGraph padded to ``max_nodes`` whose masks follow the training
        node-count distribution.

        Args:
            counts: ``[B]`` node counts to use instead of drawing ``num_samples`` of them.
        """
        counts = self.draw_node_counts(num_samples, generator) if counts is None else counts
        device = self.node_count_probs.device
        counts = counts.to(device)
        size = self.max_nodes
        mask = torch.arange(size, device=device) < counts.unsqueeze(1)  # [B, N]
        x = torch.zeros(len(counts), size, self.num_features, device=device)
        adj = torch.zeros(len(counts), size, size, device=device)
        return DenseGraph(x=x, adj=adj, mask=mask)

    @torch.no_grad()
    def sample(self, num_samples: int, *, sampler: Sampler | None = None, batch_size: int = 1024,
               seed: int = 0, progress: bool = False, max_pairs: int | None = None) -> GraphSamples:
        """Generate ``num_samples`` graphs in batches; NFE is per network and per batch.

        Every batch draws its node counts from the training distribution (GDSS's ``init_flags``)
        and is padded to ``max_nodes``; graphs come out in draw order. The batch is what GDSS's
        Langevin step size averages over (batch means of per-graph norms), so ``batch_size``
        matters for PC and S4 sampling: the official code samples generic graphs in rounds of
        its training batch size (grid 8, ENZYMES 64, community/ego 128).

        Args:
            max_pairs: evaluate the score networks in size buckets of at most this many padded
                node pairs (:class:`geogen.methods.size_buckets.BucketedDenoiser`): for datasets
                with a wide range of graph sizes (ENZYMES, grid) most of the padded work
                disappears. The sampler still runs on the whole padded batch, so the samples
                are those of unbucketed sampling up to float round-off (and the sampler's memory
                is that of the padded batch). None: one call per batch.
        """
        if batch_size < 1:
            raise GeogenError("batch_size must be at least 1")
        sampler = sampler if sampler is not None else self.sampler
        score_fn = self.score_fn(max_pairs)
        generator = torch.Generator().manual_seed(seed)
        states, nfe, seconds = [], 0, 0.0
        was_training = self.training
        self.eval()
        try:
            for start in range(0, num_samples, batch_size):
                template = self.template(min(batch_size, num_samples - start), generator)
                seed_batch = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
                result = sampler.sample(score_fn, template, generator=seed_batch, progress=progress)
                states.append(result.state)
                nfe, seconds = max(nfe, result.nfe), seconds + result.seconds
        finally:
            self.train(was_training)
        state = DenseGraph(x=torch.cat([s.x for s in states]), adj=torch.cat([s.adj for s in states]),
                           mask=torch.cat([s.mask for s in states]))
        return GraphSamples(state=state, nfe=nfe, seconds=seconds)
