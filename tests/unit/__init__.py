"""Unit tests of the engine, the registry, the ports, the converters and the JSON encoder."""
