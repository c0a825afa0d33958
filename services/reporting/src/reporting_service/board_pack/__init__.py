"""Report 3: the board pack for a governance meeting (issue #11)."""
