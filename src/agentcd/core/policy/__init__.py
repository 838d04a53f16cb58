"""Policy: rules over a loaded project, and credentials written where they should not be. No I/O."""
