"""Web dashboard (``frontiergate serve``): runs, reports, samples with full transcripts, comparisons."""
