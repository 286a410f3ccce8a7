"""White-box access to open-weight targets: activations, probes and steering (see docs/awareness.md).

Heavy dependencies (torch, transformers) are imported inside functions, so importing this package is cheap.
"""
