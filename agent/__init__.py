"""The runtime agent: the program a deployment runs.

It checks out the app at its commit, installs it, runs `wing test`, serves it with `wing it`, reports every
status to wing.cloud (with the test results and the endpoints), streams the deployment's and the app's logs,
and watches the app until it stops, reporting an error when it dies. `wingcloud serve` runs it as a child
process per deployment; on fly.io it is the image's command. It imports none of the server: it speaks HTTP
to wing.cloud's report and log doors.
"""
