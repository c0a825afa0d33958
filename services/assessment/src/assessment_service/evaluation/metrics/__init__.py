"""Learning metrics of one evaluation (report B4): aggregates only."""
