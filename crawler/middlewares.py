"""Downloader middlewares: cross-cutting rules applied to every request."""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest


@lru_cache(maxsize=4096)
def resolves_to_private(host: str) -> bool:
    """True when the host is, or resolves to, a private, loopback, link-local or
    reserved address (a page must not point the crawler into a private network)."""
    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError):
        return False  # unresolvable: the download itself will fail and be recorded
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if (address.is_private or address.is_loopback or address.is_link_local
                or address.is_reserved or address.is_unspecified):
            return True
    return False


class PrivateAddressGuard:
    """Refuse hosts on private addresses unless they are portals from the portals file."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.enabled = crawler.settings.getbool("NIANBAO_REFUSE_PRIVATE_HOSTS")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        if not self.enabled:
            return None
        host = (urlsplit(request.url).hostname or "").lower()
        allowed = getattr(self.crawler.spider, "allowed_portal_hosts", set())
        if host not in allowed and resolves_to_private(host):
            raise IgnoreRequest(f"refused {host}: private address and not a listed portal")
        return None
