"""Benchmarks (``make bench``): formgen against its baselines, measured in the same run."""
