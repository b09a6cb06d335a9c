"""The `wingcloud` command line: spec tools, the simulator, the local server, docs and deploys."""
