"""Anti-bot script challenges (crawler/challenge.py): which answers are challenges, and crawls
of a portal behind one (tests/challenge_portal.py) with real Chromium."""

from __future__ import annotations

import sqlite3
import subprocess

import pytest

from crawler.challenge import is_script_challenge
from tests.challenge_portal import CHALLENGE, ChallengePortal, clearance, report_title, serve
from tests.conftest import run_cli, small_portal

RUISHU = (b'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
          b'<meta id="9DhefwqGPrzGxEp9hPaoag" content="Bx7.rH6O1Sa8nN0fd"></head><body>'
          b'<script type="text/javascript" charset="utf-8" src="/4QbVtADbnLVIc/d.FxJzG50F.dfe1675.js" r=\'m\'>'
          b'</script><script type="text/javascript" r=\'m\'>$_ts=window[\'$_ts\'];if(!$_ts)$_ts={};'
          b'$_ts.nsd=84914;$_ts.cd="qxqorrAlqGVq";</script></body></html>')
JSL = (b"<html><body><script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+('l')+('e')+"
       b"('a')+('r')+('a')+('n')+('c')+('e')+('_')+('s')+('=')+(-~[]+'')+'671694'+';Expires=Tue, 02-Dec-26 "
       b"10:00:00 GMT;Path=/;';location.href=location.pathname+location.search</script></body></html>")
OURS = CHALLENGE.format(seed="a1b2c3", start=7, factor=131, modulus=1000003, name="nb",
                        reload="location.reload();").encode()
FORBIDDEN = b"<html><head><title>403 Forbidden</title></head><body><h1>403 Forbidden</h1><hr>nginx</body></html>"
ANALYTICS = (b"<html><body><h1>412 Precondition Failed</h1><script>var _hmt = _hmt || [];(function() {"
             b"var hm = document.createElement('script');hm.src = 'https://hm.baidu.com/hm.js?x';"
             b"document.body.appendChild(hm);})();</script></body></html>")


@pytest.mark.parametrize("status,body,challenge", [
    (412, RUISHU, True), (521, JSL, True), (412, OURS, True), (202, OURS, True), (403, OURS, True),
    (403, FORBIDDEN, False),           # a plain refusal: an ordinary failure
    (412, ANALYTICS, False),           # a script, but it neither sets a cookie nor reloads
    (200, OURS, False), (404, OURS, False), (500, JSL, False),   # not a challenge status
    (412, b"", False), (412, OURS + b"<!--" + b"x" * 300_000 + b"-->", False),  # empty; a whole page
])
def test_which_answers_are_script_challenges(status, body, challenge):
    assert is_script_challenge(status, body) is challenge


def test_the_test_portal_needs_a_javascript_engine_for_its_cookie():
    """The cookie is a rolling hash of the seed, not a literal in the page."""
    portal = ChallengePortal(seed="5f3a9c0d11e2")
    status, page, headers = portal.answer("/", "")
    assert status == 412 and "5f3a9c0d11e2" in page and clearance("5f3a9c0d11e2") not in page
    assert headers == [("Set-Cookie", "FSSBBIl1UgzbN7N80S=s2e11d0c9a3f5; Path=/; HttpOnly")]
    script_cookie = f"FSSBBIl1UgzbN7N80T={clearance('5f3a9c0d11e2')}"
    assert portal.answer("/", script_cookie)[0] == 412          # both cookies are needed
    assert portal.answer("/", "FSSBBIl1UgzbN7N80S=s2e11d0c9a3f5")[0] == 412
    assert portal.answer("/", f"FSSBBIl1UgzbN7N80S=s2e11d0c9a3f5; {script_cookie}")[0] == 200


def crawl(portal: ChallengePortal, tmp_path, *settings: str) -> tuple[subprocess.CompletedProcess, sqlite3.Connection]:
    server = serve(portal)
    csv_path = tmp_path / "portals.csv"
    csv_path.write_text(f"name,url\n挑战县,http://127.0.0.1:{server.server_port}/\n", encoding="utf-8")
    try:
        result = run_cli("crawl", "--portals", csv_path, "--db", tmp_path / "a.db", "--log-file", tmp_path / "log",
                         *[arg for s in settings for arg in ("-s", s)])
    finally:
        server.shutdown()
    return result, sqlite3.connect(tmp_path / "a.db")


@pytest.mark.e2e
@pytest.mark.parametrize("status", [412, 521])
def test_a_portal_behind_a_rotating_challenge_is_archived(tmp_path, status):
    """Every request without the cookie gets the challenge; the cookie expires after 5 pages.
    Every report is archived, each cookie value was got by one pass through Chromium, and
    the portal saw each page only as often as a plain crawl would ask for it."""
    portal = ChallengePortal(status=status, rotate_every=5)
    result, conn = crawl(portal, tmp_path, "NIANBAO_CHALLENGE_RENDERS=10")
    log = (tmp_path / "log").read_text()
    assert result.returncode == 0, log[-4000:]
    titles = sorted(r[0] for r in conn.execute("SELECT title FROM reports"))
    assert titles == sorted(report_title(n) for n in range(1, 7))
    renders, refused, browser, errors = conn.execute(
        "SELECT challenge_renders, challenge_refused, browser_renders, errors FROM crawl_runs").fetchone()
    assert len(portal.accepted) >= 3            # the cookie rotated at least twice mid-crawl
    assert renders == len(portal.accepted)      # one pass for each cookie value, none wasted
    assert (refused, browser, errors) == (0, 0, 0)
    # each page answered once to the crawl, plus once to Chromium where a pass reloaded it
    assert sum(n for path, n in portal.served.items() if path != "/favicon.ico") <= 10 + renders
    assert conn.execute("SELECT count(*) FROM pages WHERE error IS NOT NULL").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM pages WHERE status != 200").fetchone() == (0,)


@pytest.mark.e2e
def test_passes_are_capped_per_portal(tmp_path):
    """A cookie that expires after every 4 pages, and at most 2 passes: the pages beyond the
    cap fail with a clear error, and the crawl goes on with the others."""
    portal = ChallengePortal(status=412, rotate_every=4)
    result, conn = crawl(portal, tmp_path, "NIANBAO_CHALLENGE_RENDERS=2")
    log = (tmp_path / "log").read_text()
    assert result.returncode == 1, log[-4000:]
    renders, refused, status = conn.execute(
        "SELECT challenge_renders, challenge_refused, exit_status FROM crawl_runs").fetchone()
    assert (renders, status) == (2, "errors") and refused >= 1 and len(portal.accepted) == 2
    failed = conn.execute("SELECT url, status, error FROM pages WHERE error LIKE 'ChallengeNotPassed%'").fetchall()
    assert len(failed) == refused and {s for _, s, _ in failed} == {412}
    assert all("2 Chromium passes allowed per portal and run" in e for _, _, e in failed)
    assert "ChallengeNotPassed" in log or "Chromium passes allowed" in log
    # every report page found was archived or recorded as failed: none lost silently
    found = {u for (u,) in conn.execute("SELECT url FROM pages WHERE kind = 'report'")}
    archived = {u for (u,) in conn.execute("SELECT url FROM fetched_reports")}
    assert archived and found == archived | {u for u, _, _ in failed if u in found}


@pytest.mark.e2e
def test_refusals_without_a_script_challenge_are_ordinary_failures(tmp_path):
    """403, 412 and 521 pages with no challenge script cost no pass through Chromium."""
    from tests.challenge_portal import pages
    site = pages()
    refusals = {"/xxgk/nb/1.html": (403, FORBIDDEN), "/xxgk/nb/2.html": (412, ANALYTICS),
                "/xxgk/nb/3.html": (521, b"<html><body>521 Web server is down</body></html>")}

    def answer(path, _headers):
        if path in refusals:
            return refusals[path][0], "text/html", refusals[path][1]
        return (200, "text/html; charset=utf-8", site[path]) if path in site else (404, "text/html", "")

    with small_portal(answer, tmp_path) as csv_path:
        result = run_cli("crawl", "--portals", csv_path, "--db", tmp_path / "a.db", "--no-robots",
                         "--log-file", tmp_path / "log")
    assert result.returncode == 1, (tmp_path / "log").read_text()[-3000:]
    with sqlite3.connect(tmp_path / "a.db") as conn:
        assert conn.execute("SELECT challenge_renders, challenge_refused, browser_renders, errors "
                            "FROM crawl_runs").fetchone() == (0, 0, 0, 3)
        failed = conn.execute("SELECT status, error FROM pages WHERE error IS NOT NULL ORDER BY url").fetchall()
        assert [s for s, _ in failed] == [403, 412, 521]
        assert all(e.startswith("HttpError") for _, e in failed)
        assert conn.execute("SELECT count(*) FROM fetched_reports").fetchone() == (3,)


@pytest.mark.e2e
def test_a_challenge_chromium_cannot_pass_fails_that_page_only(tmp_path):
    """A challenge whose script breaks before it sets its cookie: after
    NIANBAO_CHALLENGE_SECONDS the page fails with a clear error; the other reports are archived."""
    from tests.challenge_portal import pages
    site = pages()
    broken = ("<html><body><script>var a = seedOf(document.title);"   # seedOf is not defined
              "document.cookie = 'FSSBBIl1UgzbN7N80T=' + a + '; path=/'; location.reload();</script></body></html>")

    def answer(path, _headers):
        if path == "/xxgk/nb/2.html":
            return 412, "text/html; charset=utf-8", broken
        return (200, "text/html; charset=utf-8", site[path]) if path in site else (404, "text/html", "")

    with small_portal(answer, tmp_path) as csv_path:
        result = run_cli("crawl", "--portals", csv_path, "--db", tmp_path / "a.db", "--no-robots",
                         "--log-file", tmp_path / "log", "-s", "NIANBAO_CHALLENGE_SECONDS=2")
    assert result.returncode == 1, (tmp_path / "log").read_text()[-3000:]
    with sqlite3.connect(tmp_path / "a.db") as conn:
        assert conn.execute("SELECT challenge_renders, challenge_refused, errors FROM crawl_runs").fetchone() \
            == (1, 1, 1)
        assert conn.execute("SELECT url, status, error FROM pages WHERE error IS NOT NULL").fetchall() == [
            (f"{site_url(csv_path)}xxgk/nb/2.html", 412,
             "ChallengeNotPassed: HTTP 412 script challenge: Chromium got no cookie in 2 s")]
        assert conn.execute("SELECT count(*) FROM fetched_reports").fetchone() == (5,)


def site_url(csv_path) -> str:
    return csv_path.read_text(encoding="utf-8").splitlines()[1].split(",")[1]
