"""The developmental evaluation itself: one per project, its details and its lifecycle."""
