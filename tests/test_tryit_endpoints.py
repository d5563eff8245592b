"""Where a remote run may go and what may travel there (lib.tryit.endpoints): tables of URLs with their reasons,
and the token rule checked against a real server reached through this machine's own non-loopback address."""

from __future__ import annotations

import socket

import pytest

from lib import errors
from lib.tryit import endpoints, remote
from tests.inference_server import InferenceServer
from tests.tiny_models import build

TOKEN = "hf_endpoint_rule_secret_0123456789"


@pytest.mark.parametrize(
    "url,expected",
    [
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),  # trailing slash dropped
        (" https://xyz.endpoints.huggingface.cloud ", "https://xyz.endpoints.huggingface.cloud"),  # spaces around
        ("http://[::1]:8080/models/org/x", "http://[::1]:8080/models/org/x"),  # IPv6 literal, path kept
        ("http://localhost:80/v1", "http://localhost:80/v1"),  # a vLLM base with /v1
    ],
)
def test_valid_endpoint_urls(url, expected):
    assert endpoints.validate_endpoint(url) == expected


@pytest.mark.parametrize(
    "host,loopback",
    [
        ("localhost", True),  # the name every system maps to this machine
        ("LOCALHOST", True),  # host names are case-insensitive
        ("127.0.0.1", True),
        ("127.8.9.10", True),  # all of 127.0.0.0/8 is loopback
        ("::1", True),
        ("[::1]", True),  # as it appears in a URL
        ("::ffff:127.0.0.1", True),  # IPv4-mapped loopback
        ("192.0.2.2", False),  # another interface of this machine is still a network address
        ("10.0.0.1", False),  # a private network is not this machine
        ("localhost.example.com", False),  # only the name itself
        ("0.0.0.0", False),  # "any address" is not a place to send to
    ],
)
def test_loopback_hosts(host, loopback):
    assert endpoints.is_loopback(host) is loopback


@pytest.mark.parametrize(
    "url,warned",
    [
        ("http://203.0.113.10:8080", True),  # plain http to another machine
        ("http://gpu-box.lan:8080/models/x", True),
        ("https://203.0.113.10:8080", False),  # encrypted
        ("http://127.0.0.1:8080", False),  # loopback never leaves the machine
        ("http://localhost:8080", False),
        ("ftp://x", False),  # invalid URLs are refused elsewhere, with their own message
    ],
)
def test_plain_http_warning(url, warned):
    said = endpoints.plain_http_warning(url)
    assert (said is not None) is warned
    if said:
        assert endpoints.origin(url) in said and "never sent over plain http" in said


def _own_address() -> str | None:
    """This machine's address on its first network interface (a UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if endpoints.is_loopback(address) else address


@pytest.fixture(scope="module")
def lan_server(tmp_path_factory):
    """A real inference server listening on every interface, reached through a non-loopback address."""
    address = _own_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address")
    folder = build("fill-mask", tmp_path_factory.mktemp("lan") / "fill-mask")
    with InferenceServer(host="0.0.0.0") as srv:
        srv.add_model("tiny/fill-mask", "fill-mask", folder)
        yield srv, f"http://{address}:{srv.port}/models/tiny/fill-mask"


def test_a_token_is_never_sent_over_plain_http_to_another_machine(lan_server):
    srv, url = lan_server
    srv.clear()
    with pytest.raises(errors.InvalidQueryError, match="never sent over plain http") as info:
        remote.run_remote("fill-mask", "a [MASK].", model="m", endpoint=url, token=TOKEN)
    assert TOKEN not in str(info.value)
    with pytest.raises(errors.InvalidQueryError, match="never sent over plain http"):
        remote.stream_remote("text-generation", "Hi", model="m", endpoint=url, token=TOKEN)
    assert srv.requests == []  # refused before any request
    got = remote.run_remote("fill-mask", "a [MASK].", model="m", endpoint=url)  # without a token it goes
    assert got.output and [r.auth_header for r in srv.requests] == [None]
