"""Comparator populations: versioned reference shares the equality report compares against."""
