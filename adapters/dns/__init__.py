"""dnsimple: a real `DNS` port over the dnsimple API v2."""

from adapters.dns.client import DnsError, DnsimpleClient

__all__ = ["DnsError", "DnsimpleClient"]
