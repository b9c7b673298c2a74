"""What policy writers use on rulebooks: lint, the formatter (and unparse,
its printer of expressions), diff, editions, the book, rule tests, compare,
impact and the language server."""
