"""Local test infrastructure shipped with the package: an OpenAI-compatible stub server."""
