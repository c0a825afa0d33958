"""Exports (#12): the projects service's datasets, streamed by `shared.exports`."""
