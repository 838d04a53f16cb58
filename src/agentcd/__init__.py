"""agentcd: continuous delivery for AI agents, promoted by digest."""

__version__ = "0.1.0"
