"""The projects service: the centre's innovation project registry and outcome maps."""
