"""The pull-request plan as the sticky comment's Markdown and as JSON, fitted under the
hosts' limits."""
