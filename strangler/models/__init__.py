"""The toolkit's models, one module per capability."""
