"""`cmdi`: the command line for reporting jobs and admins, a client of the public API only."""
