"""Engagements: activities, participants, feedback (you said, we did) and the plan."""
