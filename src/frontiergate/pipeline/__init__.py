"""The run pipeline: plan → Inspect eval_set → ingest logs → store → analysis → decision → report."""
