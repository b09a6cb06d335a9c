"""Adapters: real implementations of the ports and the backends that run the services."""
