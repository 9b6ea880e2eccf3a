"""Training-data tooling for the Brug detector (synthetic data generation)."""
