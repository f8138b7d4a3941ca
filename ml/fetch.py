"""Download one photo from the web, safe enough to do on behalf of a site's user.

Only http and https; redirects are followed by hand, and at every hop the host's addresses are
resolved and checked before anything is sent: loopback, link-local (169.254.169.254, a cloud's
metadata service), private, reserved and multicast addresses are refused unless a network of
``Limits.allowed_networks`` holds them (tests serving photos on 127.0.0.1). The connection is
made to the address that was checked, so a name that resolves again differently cannot slip
past. One deadline covers the whole download, redirects and a server that drips bytes
included, and the body is capped. The final URL is returned, as where the bytes came from.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

USER_AGENT = "athletes-photo-fetcher/1"
REDIRECTS = {301, 302, 303, 307, 308}
CHUNK = 64 * 1024

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Limits:
    deadline: float = 20.0  # seconds for the whole download, redirects included
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    # Addresses that are not public but may be fetched all the same (tests: 127.0.0.0/8).
    allowed_networks: tuple[Network, ...] = ()


@dataclass(frozen=True)
class Fetched:
    data: bytes
    url: str  # after the redirects: where the bytes came from


class DownloadFailed(Exception):
    """The URL gave no photo bytes; the message says why, in words."""


def networks(texts: list[str] | tuple[str, ...]) -> tuple[Network, ...]:
    """``["127.0.0.0/8"]`` as networks; raise ValueError naming one that is not a network."""
    return tuple(ipaddress.ip_network(text, strict=False) for text in texts)


def fetch(url: str, limits: Limits | None = None) -> Fetched:
    """The body at ``url``, following redirects; raise DownloadFailed saying why not."""
    limits = limits or Limits()
    ends_at = time.monotonic() + limits.deadline
    for _ in range(limits.max_redirects + 1):
        status, location, data = _one_hop(url, limits, ends_at)
        if status not in REDIRECTS:
            return Fetched(data, url)
        if not location:
            raise DownloadFailed(f"the server answered {status} without saying where to go")
        url = urljoin(url, location)
    raise DownloadFailed(f"more than {limits.max_redirects} redirects")


def _one_hop(url: str, limits: Limits, ends_at: float) -> tuple[int, str, bytes]:
    """(status, Location, body) of one request; the body is read only for a final answer."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DownloadFailed(f"only http and https addresses are fetched, not {url[:100]!r}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise DownloadFailed(f"the address {url[:100]!r} has a bad port") from error
    address = _checked_address(parts.hostname, port, limits)
    timeout = _remaining(ends_at, limits)
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = _PinnedHTTPSConnection(parts.hostname, port, address, timeout)
    else:
        connection = _PinnedHTTPConnection(parts.hostname, port, address, timeout)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    try:
        connection.request("GET", path, headers={"User-Agent": USER_AGENT, "Accept": "image/*"})
        response = connection.getresponse()
        if response.status in REDIRECTS:
            return response.status, response.getheader("Location") or "", b""
        if response.status != 200:
            raise DownloadFailed(f"the server answered {response.status} {response.reason}")
        return response.status, "", _body(response, connection, limits, ends_at)
    except TimeoutError as error:
        raise DownloadFailed(_too_slow(limits)) from error
    except (OSError, http.client.HTTPException) as error:
        raise DownloadFailed(f"the download failed: {error}") from error
    finally:
        connection.close()


def _checked_address(host: str, port: int, limits: Limits) -> str:
    """The first address ``host`` resolves to, once every one of them is allowed."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise DownloadFailed(f"the name {host!r} could not be resolved") from error
    addresses = [str(info[4][0]) for info in found]
    if not addresses:
        raise DownloadFailed(f"the name {host!r} has no address")
    for text in addresses:
        address = ipaddress.ip_address(text.split("%")[0])
        if address.is_global and not address.is_multicast:
            continue
        if any(address in network for network in limits.allowed_networks):
            continue
        where = host if host == str(address) else f"{host} is at {address}, which"
        raise DownloadFailed(f"{where} is a {_kind(address)} address, which is not fetched")
    return addresses[0]


def _kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_private:
        return "private"
    return "reserved"


def _body(
    response: http.client.HTTPResponse,
    connection: http.client.HTTPConnection,
    limits: Limits,
    ends_at: float,
) -> bytes:
    declared = int(response.getheader("Content-Length") or 0)
    if declared > limits.max_bytes:
        raise DownloadFailed(_too_large(limits, declared))
    chunks: list[bytes] = []
    size = 0
    while True:
        if connection.sock is not None:
            connection.sock.settimeout(_remaining(ends_at, limits))
        chunk = response.read1(CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limits.max_bytes:
            raise DownloadFailed(_too_large(limits))
        chunks.append(chunk)
        _remaining(ends_at, limits)


def _remaining(ends_at: float, limits: Limits) -> float:
    left = ends_at - time.monotonic()
    if left <= 0:
        raise DownloadFailed(_too_slow(limits))
    return left


def _too_slow(limits: Limits) -> str:
    return f"it took longer than {limits.deadline:g} s"


def _too_large(limits: Limits, declared: int = 0) -> str:
    size = f"{declared:,} bytes, " if declared else ""
    return f"{size}over the {limits.max_bytes:,}-byte cap"


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to the address already checked, whatever the name resolves to now."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the address already checked, the certificate checked against the name."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.address = address

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)
