"""`python -m agentcd` runs the command line."""

from agentcd.cli import main

raise SystemExit(main())
