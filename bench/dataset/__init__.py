"""Large, internally consistent datasets written straight into each service's own database."""
