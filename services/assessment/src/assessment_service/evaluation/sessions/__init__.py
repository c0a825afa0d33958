"""Sensemaking sessions: What? / So what? / Now what?, the log entries reviewed and the actions
agreed."""
