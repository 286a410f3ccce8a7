"""frontiergate: evidence-based deployment decisions for frontier AI models, built on Inspect AI."""

__version__ = "0.1.0"
