"""Projects: the registry and the stage machine."""
