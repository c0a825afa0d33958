"""Large, internally consistent datasets written straight into each service's own database."""

# The services whose databases a dataset fills (the integrations service holds no domain data).
SERVICES = ("projects", "assessment", "stakeholders")
