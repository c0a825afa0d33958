"""Report 4: one project's dossier, its whole story (issue #11)."""
