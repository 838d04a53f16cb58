"""Eval reports as text, JSON, JUnit XML and Markdown."""
