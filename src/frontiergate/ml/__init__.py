"""Small machine-learning helpers shared by capabilities (sentence embeddings for guards and meters)."""
