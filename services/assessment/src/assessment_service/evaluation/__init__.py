"""Developmental evaluation (DOMAIN.md A2.3): one evaluation per project and its learning trail.

One sub-package per sub-resource (`evaluations`, `questions`, `log`, `sessions`, `findings`,
`adaptations`, `theory_of_change`, `briefs`, and the reads across them, `timeline` and
`metrics`), each with its routes, service, repository and schemas; the modules here hold what
they share: the models, the write rule (`service.Writer`), the loaders of one evaluation and the
problems every write may answer.
"""
