"""The Safety & Preparedness Report: canonical JSON, rendered to Markdown (and HTML)."""

SCHEMA_VERSION = "1.1.0"
