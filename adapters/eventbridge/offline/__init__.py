"""Running the EventBridge backend offline: a moto server over HTTP, and wing.cloud deployed into it with the
Lambda functions played in-process (moto cannot run Lambda code without Docker)."""
