"""One scope policy for every request the crawl makes: Scrapy's own, every kind of
redirect (HTTP 3xx, ``<meta refresh>``, ``location.href``, pager and data URLs all become
Scrapy requests and pass the same downloader middleware) and every request Chromium makes
while rendering (``PLAYWRIGHT_ABORT_REQUEST``).

A request may go to:
- http or https only;
- the listed portal's own host and port, or a host of its registrable domain on the
  portal's port or the scheme's default port (an IP address is its own site: only the
  portal's exact address and port);
- never a loopback, private, link-local, multicast or reserved address, unless that is
  the listed portal itself. For host names this is checked on the address the connection
  actually uses: :class:`GuardedResolver` is Scrapy's DNS resolver, and a name whose
  answer is not public fails there, at connect time (an answer that changes between a
  check and the connection cannot get through).
Credentials in a URL (``http://user:pw@host/``) are stripped before any decision and
never sent. Every refusal is recorded in ``pages`` with its reason.

>>> policy = ScopePolicy([("县", "http://www.sxxzf.gov.cn/")])
>>> policy.refusal("http://xxgk.sxxzf.gov.cn/nb/1.html", "县") is None
True
>>> policy.refusal("http://www.sxxzf.gov.cn:8080/", "县")
'off-site: www.sxxzf.gov.cn:8080 is outside the portal 县'
>>> policy.refusal("ftp://www.sxxzf.gov.cn/a.pdf", "县")
'scheme ftp is not crawled'
>>> strip_credentials("http://user:pw@127.0.0.1:8080/a?b=1")
'http://127.0.0.1:8080/a?b=1'
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from urllib.parse import urlsplit, urlunsplit

from twisted.internet.error import DNSLookupError

from scrapy.resolver import CachingThreadedResolver

logger = logging.getLogger(__name__)
DEFAULT_PORTS = {"http": 80, "https": 443}
SECOND_LEVEL = {"gov", "com", "org", "net", "edu", "ac"}


def strip_credentials(url: str) -> str:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def endpoint(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of a URL, credentials ignored; port None when it is not a number."""
    parts = urlsplit(strip_credentials(url))
    scheme = parts.scheme.lower()
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme)
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower().rstrip("."), port


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                or ip.is_reserved or ip.is_unspecified)


def registrable_domain(host: str) -> str:
    """www.sxxzf.gov.cn → sxxzf.gov.cn; an IP address is its own domain."""
    host = host.split(":")[0] if not host.startswith("[") else host
    labels = host.split(".")
    if is_ip(host) or len(labels) <= 2:
        return host
    keep = 3 if labels[-2] in SECOND_LEVEL and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])


class ScopePolicy:
    """Which URLs the crawl of a set of portals may request. ``portals``: (name, url) pairs
    or objects with ``name`` and ``url``."""

    active: "ScopePolicy | None" = None   # the running crawl's policy (Chromium's guard reads it)

    def __init__(self, portals, refuse_private: bool = True):
        pairs = [(p.name, p.url) if hasattr(p, "url") else p for p in portals]
        self.sites = {name: endpoint(url) for name, url in pairs}
        self.portal_hosts = {host for _, host, _ in self.sites.values()}
        self.refuse_private = refuse_private
        self.browser_refusals: list[tuple[str, str]] = []

    def _within(self, host: str, port: int | None, scheme: str, site: tuple) -> bool:
        _, site_host, site_port = site
        if (host, port) == (site_host, site_port):
            return True
        if is_ip(host) or is_ip(site_host):
            return False
        return (registrable_domain(host) == registrable_domain(site_host)
                and port in (site_port, DEFAULT_PORTS.get(scheme)))

    def refusal(self, url: str, portal: str | None = None) -> str | None:
        """None when the URL may be requested for ``portal`` (any listed portal when
        None), else the reason it may not."""
        scheme, host, port = endpoint(url)
        if scheme not in DEFAULT_PORTS:
            return f"scheme {scheme or '(none)'} is not crawled"
        if not host or port is None:
            return "no host or a bad port"
        sites = [self.sites[portal]] if portal in self.sites else list(self.sites.values())
        if not any(self._within(host, port, scheme, site) for site in sites):
            return f"off-site: {host}:{port} is outside the portal {portal or '(any)'}"
        if self.refuse_private and is_ip(host) and not is_public(host.strip("[]")) \
                and (host, port) not in {(h, p) for _, h, p in self.sites.values()}:
            return f"private address {host} is not a listed portal"
        return None

    def address_refusal(self, host: str, address: str) -> str | None:
        """After DNS: a name must resolve to a public address unless it is a listed portal's."""
        if not self.refuse_private or host.lower() in self.portal_hosts or is_public(address):
            return None
        return f"{host} resolves to the private address {address}, and is not a listed portal"


class ScopeDNSRefusal(DNSLookupError):
    """A host name whose address is out of scope (see :class:`ScopePolicy`)."""


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's DNS resolver with the scope policy's address check on the very answer the
    connection will use."""

    def getHostByName(self, name: str, timeout=()):
        answer = super().getHostByName(name, timeout)

        def check(address: str) -> str:
            policy = ScopePolicy.active
            reason = policy.address_refusal(name, address) if policy else None
            if reason:
                raise ScopeDNSRefusal(reason)
            return address

        return answer.addCallback(check)


async def abort_browser_request(request) -> bool:
    """``PLAYWRIGHT_ABORT_REQUEST``: every request Chromium makes passes the scope policy
    (the page itself, its scripts' fetches, navigations); a refused one is aborted and
    recorded."""
    policy = ScopePolicy.active
    if policy is None:
        return False
    reason = policy.refusal(request.url)
    if reason is None and policy.refuse_private:
        _, host, _ = endpoint(request.url)
        if not is_ip(host) and host not in policy.portal_hosts:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(host, None)
            except (socket.gaierror, UnicodeError):
                infos = []
            for info in infos:
                reason = reason or policy.address_refusal(host, info[4][0])
    if reason:
        logger.info("Chromium request refused: %s (%s)", request.url, reason)
        policy.browser_refusals.append((strip_credentials(request.url), reason))
        return True
    return False
