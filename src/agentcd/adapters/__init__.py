"""Thin edges: filesystem and git, ledgers, platforms, hosts, invokers."""
