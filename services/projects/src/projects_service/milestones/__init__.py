"""Milestones: project milestones and the NHS adoption milestone catalogue and tracker."""
