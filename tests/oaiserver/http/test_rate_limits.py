"""Rate limits over real HTTP: guests, token holders and harvesters, proxies, shared storage.

Budgets here are tiny (a few requests a minute) so that a test reaches
them in a handful of requests; the suite elsewhere runs with limits off.
The shared-storage test starts two real ``oaiserver serve`` processes on
one Redis and needs Redis at 127.0.0.1:6379 (skipped with the reason when
it is down; ``.ci/run`` starts it and sets OAISERVER_TEST_REQUIRE_REDIS=1).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import Engine

from oaiserver.http.clients import client_address
from oaiserver.http.ratelimit import ListGate
from oaiserver.services import Services
from tests.oaiserver.oai.oai_support import make_app, make_services, populate, serve

TOKEN = "limits-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = "redis://127.0.0.1:6379/15"


def _services(engine: Engine, **limits: Any) -> Services:
    services = make_services(engine, api_tokens=[TOKEN], ratelimit_enabled=True, **limits)
    populate(services, 2)
    return services


@pytest.fixture
def base(sqlite_engine: Engine, request: pytest.FixtureRequest) -> Iterator[str]:
    limits = getattr(request, "param", {})
    with serve(make_app(_services(sqlite_engine, **limits))) as oai_url:
        yield oai_url.removesuffix("/oai")


def get(base: str, path: str, **kw: Any) -> requests.Response:
    return requests.get(base + path, timeout=30, **kw)


@pytest.mark.parametrize("base", [{"ratelimit_guest": "3/minute", "ratelimit_token": "5/minute"}],
                         indirect=True)
def test_guests_get_429_and_token_holders_have_their_own_budget(base: str) -> None:
    answers = [get(base, "/api/records") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.json()["status"] == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-RateLimit-Limit"] == "3"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert "X-RateLimit-Reset" in refused.headers
    assert answers[0].headers["X-RateLimit-Remaining"] == "2"
    # the guest budget is spent; a token holder counts on its own
    held = [get(base, "/api/records", headers=AUTH).status_code for _ in range(6)]
    assert held == [200] * 5 + [429]
    # a wrong token is a guest
    assert get(base, "/api/records", headers={"Authorization": "Bearer wrong"}).status_code == 429


@pytest.mark.parametrize("base", [{"ratelimit_oai": "3/minute", "ratelimit_guest": "50/minute"}],
                         indirect=True)
def test_harvesters_get_503_with_retry_after(base: str) -> None:
    answers = [get(base, "/oai?verb=Identify") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 503]
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
    assert get(base, "/oai/static/oai2.xsl").status_code == 200  # the stylesheet is not counted
    assert get(base, "/api/records").status_code == 200  # REST is another budget


@pytest.mark.parametrize("base", [{"ratelimit_guest": "2/minute"}], indirect=True)
def test_pages_spend_the_guest_budget_but_not_their_stylesheet(base: str) -> None:
    answers = [get(base, "/search?q=x").status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    assert get(base, "/static/site.css").status_code == 200


@pytest.mark.parametrize("base", [{"ratelimit_guest": "2/minute", "trusted_proxies": ["127.0.0.1"]}],
                         indirect=True)
def test_forwarded_for_counts_from_trusted_proxies(base: str) -> None:
    for client in ("198.51.100.1", "198.51.100.2"):
        codes = [get(base, "/api/records", headers={"X-Forwarded-For": f"10.0.0.9, {client}"}).status_code
                 for _ in range(3)]
        assert codes == [200, 200, 429], client


@pytest.mark.parametrize("base", [{"ratelimit_guest": "2/minute"}], indirect=True)
def test_forwarded_for_from_anyone_else_is_ignored(base: str) -> None:
    codes = [get(base, "/api/records", headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
             for i in range(3)]
    assert codes == [200, 200, 429]


def test_client_address_walks_trusted_hops() -> None:
    import ipaddress

    trusted = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("127.0.0.1/32")]
    assert client_address("127.0.0.1", "203.0.113.5, 10.1.1.1", trusted) == "203.0.113.5"
    assert client_address("192.0.2.1", "203.0.113.5", trusted) == "192.0.2.1"  # untrusted peer
    assert client_address("127.0.0.1", "garbage, 10.1.1.1", trusted) == "garbage"
    assert client_address("127.0.0.1", None, trusted) == "127.0.0.1"


def test_one_client_holds_at_most_its_list_slots() -> None:
    gate = ListGate(2)
    with gate.enter("a") as first, gate.enter("a") as second, gate.enter("a") as third, \
            gate.enter("b") as other:
        assert (first, second, third, other) == (True, True, False, True)
    with gate.enter("a") as again:
        assert again


def _redis_or_skip() -> Any:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        reason = f"Redis is not running at 127.0.0.1:6379 ({exc})"
        if os.environ.get("OAISERVER_TEST_REQUIRE_REDIS", "") not in {"", "0"}:
            pytest.fail(reason + "; OAISERVER_TEST_REQUIRE_REDIS is set")
        pytest.skip(reason)
    return client


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise AssertionError(f"server exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"no server at {url}")


def test_two_processes_share_one_budget_in_redis(tmp_path: Path) -> None:
    redis_client = _redis_or_skip()
    redis_client.flushdb()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OAISERVER_")}
    env.update({
        "OAISERVER_DATABASE_URL": f"sqlite:///{tmp_path / 'shared.db'}",
        "OAISERVER_SECRET_KEY": "shared-secret",
        "OAISERVER_RATELIMIT_STORAGE_URL": REDIS_URL,
        "OAISERVER_RATELIMIT_GUEST": "4/minute",
        "OAISERVER_STATS_WORKER": "false",
    })
    command = [sys.executable, "-m", "oaiserver"]
    subprocess.run([*command, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    ports = [_free_port(), _free_port()]
    processes = [subprocess.Popen([*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
                                  env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                 for port in ports]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, process in zip(urls, processes, strict=True):
            _wait(url + "/oai?verb=Identify", process)  # OAI: not the guest budget
        codes = [requests.get(urls[i % 2] + "/api/records", timeout=30).status_code for i in range(5)]
        assert codes == [200, 200, 200, 200, 429]
        assert requests.get(urls[1] + "/api/records", timeout=30).status_code == 429
        keys = [k.decode() for k in redis_client.keys("*")]
        assert keys and all("127.0.0.1" not in k for k in keys), keys
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
            if process.stderr is not None:
                process.stderr.close()
        redis_client.flushdb()
