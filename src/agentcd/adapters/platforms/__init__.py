"""Platform adapters: where an environment's agents actually run."""
