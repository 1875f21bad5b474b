"""`ketamine-care synth`: synthetic patients at scale, as the app's own code would have
recorded them (see `run.synthesize` and docs/RESEARCH.md, "Synthetic data")."""
