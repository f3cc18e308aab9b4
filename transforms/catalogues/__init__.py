"""Field catalogues per system (generated YAML: `storebridge map catalogues --write`)."""
