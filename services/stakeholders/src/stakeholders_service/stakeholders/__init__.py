"""Stakeholders: the register of people and organisations and their project links."""
