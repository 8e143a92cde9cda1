"""Methods: thin LightningModules wiring a denoiser, a process and a sampler, plus shared callbacks.

Import the method modules directly (``geogen.methods.gdss``, ``geogen.methods.forecasting``,
``geogen.methods.node_classification``); this package file stays light so that the command
line starts fast.
"""
