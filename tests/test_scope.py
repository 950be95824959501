"""The scope policy as a function, and the resolver's check on a real DNS answer."""

import subprocess
import sys

import pytest

from crawler.scope import ScopePolicy, registrable_domain, strip_credentials
from tests.conftest import ROOT

POLICY = ScopePolicy([("县", "http://www.sxxzf.gov.cn/"), ("本地", "http://127.0.0.11:8701/")])


@pytest.mark.parametrize("url, portal, allowed", [
    ("http://www.sxxzf.gov.cn/xxgk/nb/1.html", "县", True),
    ("https://xxgk.sxxzf.gov.cn/a.pdf", "县", True),            # same registrable domain, https
    ("http://www.sxxzf.gov.cn:8080/", "县", False),             # another port
    ("http://www.other.gov.cn/", "县", False),                   # another site
    ("http://www.sxxzf.gov.cn.evil.com/", "县", False),
    ("ftp://www.sxxzf.gov.cn/x", "县", False),
    ("javascript:alert(1)", "县", False),
    ("http://127.0.0.11:8701/nb/", "本地", True),                # a listed portal on loopback
    ("http://127.0.0.11:8702/nb/", "本地", False),               # another port of its address
    ("http://127.0.0.12:8701/", "本地", False),
    ("http://127.0.0.11:8701/nb/", "县", False),                 # another portal's site
    ("http://127.0.0.11:8701/robots.txt", None, True),          # no portal named: any listed one
    ("http://10.0.0.1/", None, False),
    ("http://[::1]/", None, False),
])
def test_scope_decisions(url, portal, allowed):
    assert (POLICY.refusal(url, portal) is None) == allowed


def test_credentials_never_count():
    assert strip_credentials("https://a:b@www.sxxzf.gov.cn:443/x?y#z") == "https://www.sxxzf.gov.cn:443/x?y#z"
    assert POLICY.refusal("http://admin:pw@www.sxxzf.gov.cn/", "县") is None
    assert registrable_domain("www.beijing.gov.cn") == "beijing.gov.cn"


def test_private_answers_are_refused_unless_the_name_is_a_portal():
    assert POLICY.address_refusal("intranet.sxxzf.gov.cn", "10.1.2.3")
    assert POLICY.address_refusal("www.sxxzf.gov.cn", "10.1.2.3") is None   # the portal itself
    assert POLICY.address_refusal("xxgk.sxxzf.gov.cn", "61.135.1.1") is None


SCRIPT = """
from twisted.internet import asyncioreactor
asyncioreactor.install()
from twisted.internet import reactor
from crawler.scope import GuardedResolver, ScopePolicy
ScopePolicy.active = ScopePolicy([("p", "http://www.sxxzf.gov.cn/")])
results = []
resolver = GuardedResolver(reactor, 0, 5)
def second(value):
    results.append(value)
    reactor.stop()
def first(value):
    results.append(value)
    ScopePolicy.active = ScopePolicy([("p", "http://localhost:8080/")])  # now localhost is a portal
    resolver.getHostByName("localhost").addCallbacks(second, lambda f: second(type(f.value).__name__))
resolver.getHostByName("localhost").addCallbacks(first, lambda f: first(type(f.value).__name__ + ": " + str(f.value)))
reactor.run()
print(results)
"""


def test_the_resolver_refuses_a_private_answer_at_connect_time():
    """A real DNS answer (localhost → 127.0.0.1, from /etc/hosts) through Scrapy's resolver
    class: refused when the name is not a listed portal, allowed when it is."""
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    first, second = eval(out.stdout.strip().splitlines()[-1])
    assert first.startswith("ScopeDNSRefusal") and "private address 127.0.0.1" in first
    assert second == "127.0.0.1"
