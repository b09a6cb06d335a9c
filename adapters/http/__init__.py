"""wing.cloud's HTTP surface, written once: the REST API under /api and the doors (GitHub's webhooks, the
runtime's reports and logs). `wingcloud serve` mounts it over SQLite (`adapters.local`), the ingress Lambda over
DynamoDB and EventBridge (`adapters.eventbridge.function.ingress`); both implement `backend.Backend`."""
