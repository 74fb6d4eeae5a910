"""Behind a TLS-terminating proxy: trust X-Forwarded-For/-Proto only when the proxy itself sent them (SEC-27).

A proxy that terminates HTTPS tells the app so with ``X-Forwarded-Proto: https`` and names the browser
with ``X-Forwarded-For``. Anyone else could send the same headers, so they count only when the request
comes straight from an address in the ``TRUSTED_PROXIES`` setting; from any other peer they are removed
before the app sees them. For a trusted peer, werkzeug's ProxyFix takes the last ``FORWARDED_HOPS``
values (one per proxy in the chain), so the app sees the browser's address and the real scheme: the
session cookie is then marked Secure and Flask-WTF checks the Referer of every form post (see
``clinic.security``: the Referrer-Policy keeps it for our own pages).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from werkzeug.middleware.proxy_fix import ProxyFix

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str | Iterable[str]) -> list[Network]:
    """Addresses or networks, comma-separated (``127.0.0.1, ::1, 10.0.0.0/24``); ValueError names a bad one."""
    parts = value.split(",") if isinstance(value, str) else list(value)
    networks = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"TRUSTED_PROXIES: {part!r} is not an IP address or network") from None
    return networks


class TrustedProxyFix:
    """WSGI middleware: ProxyFix for requests from a trusted proxy, forwarded headers dropped for the rest."""

    def __init__(self, app, networks: list[Network], hops: int = 1):
        self.app = app
        self.networks = networks
        self.fixed = ProxyFix(app, x_for=hops, x_proto=hops)

    def trusted(self, address: str | None) -> bool:
        """Whether a request from this peer address may set forwarded headers."""
        if not address or not self.networks:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def __call__(self, environ, start_response):
        if self.trusted(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        for key in [k for k in environ if k.startswith("HTTP_X_FORWARDED_") or k == "HTTP_FORWARDED"]:
            del environ[key]
        return self.app(environ, start_response)
