"""The language: grammar loading, the AST and its builder, the checker and the Library it makes,
ISO codes, rendering and the formatter."""
