"""The theory of change: numbered versions with their assumptions; each new version supersedes
the last, naming the adaptations that changed it."""
