"""Tools built on the pipeline: the yearly rerun, impact analysis, comparison,
editions, rule tests, the formatter, the self-report template and schema, and
synthetic centres."""
