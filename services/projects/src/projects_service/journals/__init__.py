"""The OM monitoring journals (steps 9-11): outcome, strategy and performance, one lifecycle.

Each layer holds the shared part once and a small module per kind with only what differs:
`models` (every journal table), `schemas/` (shared bodies; `outcome`, `strategy`,
`performance`), `service/` (`lifecycle`, the `kind.Journal` hooks, one module per kind),
`repository` (the queries) and `routes` (one router factory, a table of the three journals)."""
