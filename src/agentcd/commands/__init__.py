"""One module per CLI command: read through adapters, call the core, write through adapters."""
