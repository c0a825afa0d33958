"""Learning briefs: what was learned in a period, for whom, in a few key messages."""
