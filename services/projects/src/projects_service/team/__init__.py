"""Team: people's roles on a project over time."""
