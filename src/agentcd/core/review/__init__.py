"""Review: the pull-request plan's view model and the sticky-comment rule. No I/O."""
