"""Benchmarks: generated repositories and whole-process timings (`python -m bench.<name>`)."""
