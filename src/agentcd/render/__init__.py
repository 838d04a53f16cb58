"""Renderers: view models and change records to Markdown, text, JSON. No I/O."""
