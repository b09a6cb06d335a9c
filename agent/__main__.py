"""`python -m agent`: run the deployment the environment describes (see `agent.config.AgentSettings`)."""

import sys

from agent.run import main

sys.exit(main())
