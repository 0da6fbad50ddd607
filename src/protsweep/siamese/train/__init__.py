"""Training of the pair model: batches, seeding, checkpoints, the epoch loop."""
