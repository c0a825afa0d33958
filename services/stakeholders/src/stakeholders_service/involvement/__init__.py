"""Public involvement: roles, UK Standards self-assessments, GRIPP2 drafts."""
