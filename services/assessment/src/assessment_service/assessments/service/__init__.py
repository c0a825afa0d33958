"""Business rules for assessments (DOMAIN.md S6), one module per sub-resource. Functions flush,
never commit."""
