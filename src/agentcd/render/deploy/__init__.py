"""Promotion reports, the approval brief, drift, history, status and audit."""
