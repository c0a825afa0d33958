"""The stakeholders service: stakeholder engagement, public involvement and all personal data."""
