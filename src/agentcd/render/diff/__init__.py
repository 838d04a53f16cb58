"""The semantic diff as text, JSON and Markdown, and two environments compared."""
