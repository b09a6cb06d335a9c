"""The delivery kernel: what every backend delivers events with.

Routing and contract checks from the spec, the EventBridge pattern engine, one delivery attempt, the
retry and dead-letter policy and the trace record. The simulator, the local server and the Lambda functions
are thin drivers of it; nothing here simulates, stores or transports.
"""
