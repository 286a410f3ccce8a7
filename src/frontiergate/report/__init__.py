"""The Safety & Preparedness Report: canonical JSON, rendered to Markdown (and HTML)."""

SCHEMA_VERSION = "1.2.0"
