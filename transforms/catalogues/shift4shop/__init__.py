"""Field catalogues (generated YAML, package data)."""
