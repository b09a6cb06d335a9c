"""One word per concept: the glossary at the end of `docs/index.md`. Code, docs and the console use these
words in these senses only."""

from __future__ import annotations

GLOSSARY: tuple[tuple[str, str], ...] = (
    ("event", "A message of the spec, published on the bus; its class is generated into `events/`."),
    ("envelope", "EventBridge's wrapper of an event: id, detail-type, source, time, detail (`bus.Envelope`)."),
    (
        "detail",
        "The event's JSON inside its envelope, with the `metadata` the bus stamps (event, correlation and causation ids).",
    ),
    ("service", "One package of `services/`: handlers over ports, sending and receiving what the spec says."),
    ("handler", "A service's function for one received message: `(event, ports) -> events`."),
    ("rule", "A service receiving one message, with its EventBridge pattern: `<service>--<message>`, from the spec."),
    ("door", "A way in from outside the bus: GitHub's webhooks, the runtime's reports (the spec's `x-triggers`)."),
    ("arrival", "One thing that came through a door, as received (`ports.Arrival`), kept before the door answers."),
    ("edge", "A service's handler of a door (`<service>--<door>`): checked at the door, then delivered like an event."),
    ("target", "Where a parcel is delivered: the handler of a rule or of an edge."),
    ("parcel", "What the kernel delivers: an envelope or an arrival."),
    ("delivery", "One parcel on its way to one target; each attempt runs the target once."),
    (
        "kernel",
        "`bus/`: routing and sealing from the spec, one delivery attempt, retry and dead letters, the trace record.",
    ),
    (
        "backend",
        "What moves parcels for the kernel: the simulator (an agenda), the local server (SQLite rows), Lambda (SQS records).",
    ),
    (
        "unit of work",
        "One attempt's view of a backend's state: the handler's writes, the ledger mark and what it published commit together.",
    ),
    (
        "ledger",
        "The record of what each target handled, so that a duplicate delivery is skipped (the one idempotency rule).",
    ),
    (
        "outbox",
        "Where published events wait to be delivered: SQLite rows locally, a ledger item's pending events on Lambda.",
    ),
    ("inbox", "The local server's durable store of arrivals, written before a door answers 202."),
    ("dead letter", "A delivery that failed for good, with its reason; redriving it delivers it again."),
    (
        "trace",
        "Every step a parcel took (published, delivered, failed, retried, dead-lettered); the sequence diagrams.",
    ),
    ("correlation id", "What one workflow shares: the webhook's delivery id, the API request's id, a deployment's."),
    ("causation id", "The event whose handler published this one; none for events published at a door."),
    (
        "port",
        "A Protocol to something a service does not own (`ports/`): fakes in `sim/fakes/`, real ones in `adapters/`.",
    ),
    ("outside world", "GitHub, fly.io and dnsimple: real clients with credentials, the simulator's fakes without."),
    ("world", "A running wing.cloud as the scenarios drive it (`sim.world.WorldLike`), on one backend."),
    (
        "runtime",
        "The service that runs environments on fly.io (not Lambda's runtime); a deployment's program is the runtime agent.",
    ),
    ("report", "A status callback of a deployment's runtime agent, through the report door."),
    ("app", "A repository bound to wing.cloud by a user, with its default branch and entrypoint."),
    (
        "provider",
        "The code host of an app's repository, named in apps and events: `github` or `gitlab` (`ports.CodeHosts`).",
    ),
    (
        "pull request",
        "A proposed change from a head branch: GitHub's pull request, or GitLab's merge request (by iid).",
    ),
    ("environment", "One running copy of an app: production (the default branch) or a preview (a pull request)."),
    ("deployment", "One attempt to run an environment at a commit; reports of any other deployment are fenced out."),
    (
        "usage",
        "Running seconds: from an environment's `running` status to its next other status or its stop, per UTC day.",
    ),
    (
        "mark",
        "A point on an environment's status timeline as usage keeps it, one per event id (`ports.UsageMark`).",
    ),
)
