"""Where a remote run goes, and what may travel there: endpoint URLs checked before any request, the token rule.

Two kinds of target: an endpoint URL (any TGI/vLLM-compatible server, anyone's) or an Inference Provider through
Hugging Face's router. The token rule (hardening H1):

* an endpoint URL gets a token only when one is given for it (the caller passes it; the app's own ``HF_TOKEN`` is
  never implied, and huggingface_hub's saved login is kept from it too, see :mod:`lib.tryit.remote`);
* a token never travels over plain http to another machine: ``http://`` is for loopback servers, anything else with
  a token is refused here, before any request; without a token a page warns (:func:`plain_http_warning`);
* Inference Providers get the caller's token (the app's own, going to Hugging Face's router).

Nothing here does I/O or imports torch or transformers.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from lib import errors

# one DNS label: letters, digits, inner hyphens, at most 63 characters; labels joined by dots
_HOST_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
_HINT = "Give the server's base URL, e.g. `http://127.0.0.1:8080` or `https://xyz.endpoints.huggingface.cloud`."


def timeout() -> float:
    """Seconds a remote call may take (``Settings.inference_timeout``: a long generation needs a while)."""
    from lib.settings import load_settings

    return load_settings().inference_timeout


def validate_endpoint(url: str) -> str:
    """An endpoint URL checked before any request: http(s), a host, no credentials, no spaces.

    Returns the URL without surrounding whitespace or a trailing slash; raises ``InvalidQueryError`` saying what
    is wrong. Credentials in a URL would end up in logs and error messages, so they are refused (give a token).
    """
    text = (url or "").strip()
    if not text:
        raise errors.InvalidQueryError("No endpoint URL given.", hint=_HINT)
    if any(c.isspace() for c in text):
        raise errors.InvalidQueryError("The endpoint URL contains spaces.", hint=_HINT)
    try:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError on a bad port
    except ValueError:
        raise errors.InvalidQueryError("The endpoint URL is not a valid URL (check the port).", hint=_HINT) from None
    if parts.scheme not in ("http", "https"):
        raise errors.InvalidQueryError(
            f"The endpoint URL must start with http:// or https:// (got {parts.scheme or 'no'} scheme).", hint=_HINT
        )
    if "@" in parts.netloc:
        raise errors.InvalidQueryError(
            "The endpoint URL carries credentials (user:password@); they are not sent.",
            hint="Remove them from the URL and give a token for the endpoint instead.",
        )
    host = parts.hostname or ""
    if not host:
        raise errors.InvalidQueryError("The endpoint URL has no host.", hint=_HINT)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not _HOST_RE.match(host):
            raise errors.InvalidQueryError(
                f"The endpoint URL's host {host!r} is not a valid host name.", hint=_HINT
            ) from None
    if port == 0:
        raise errors.InvalidQueryError("The endpoint URL's port cannot be 0.", hint=_HINT)
    if parts.fragment:
        raise errors.InvalidQueryError("The endpoint URL cannot have a #fragment.", hint=_HINT)
    return text.rstrip("/")


def origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL: the name a message gives the server, and what a typed token is for."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def is_loopback(host: str) -> bool:
    """This machine itself: ``localhost``, 127.0.0.0/8, ``::1`` (also as an IPv4-mapped address)."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


def plain_http(url: str) -> bool:
    """True for an ``http://`` URL to another machine: what is sent there can be read on the way."""
    parts = urlsplit(url.strip())
    return parts.scheme == "http" and not is_loopback(parts.hostname or "")


def plain_http_warning(url: str) -> str | None:
    """What a page says before anything is sent to a plain-http endpoint on another machine; None otherwise."""
    try:
        url = validate_endpoint(url)
    except errors.InvalidQueryError:
        return None
    if not plain_http(url):
        return None
    return (f"{origin(url)} is plain http on another machine: the input travels unencrypted, and a token is never "
            "sent over plain http. Use https:// for a server that needs a token.")


@dataclass(frozen=True)
class Target:
    """A checked remote target: what ``InferenceClient`` is given as ``model`` and ``provider``, and its name."""

    model: str  # the endpoint URL, or the Hub repo id with a provider
    provider: str | None
    where: str  # for messages: the endpoint's origin, or "provider NAME"

    @property
    def is_endpoint(self) -> bool:
        return self.provider is None


def known_providers() -> tuple[str, ...]:
    """The provider names this huggingface_hub knows (plus ``auto``)."""
    try:
        from huggingface_hub.inference._providers import PROVIDERS
    except ImportError:  # pragma: no cover - a future huggingface_hub may move it
        return ("auto",)
    return ("auto", *sorted(PROVIDERS))


def target(model: str, endpoint: str | None, provider: str | None, *, token: str | None = None) -> Target:
    """The checked target for a run, before any request; ``InvalidQueryError`` says what is wrong.

    ``token`` is the one that would be sent: a token for a plain-http endpoint on another machine is refused.
    """
    if endpoint:
        if provider:
            raise errors.InvalidQueryError("Give either an endpoint URL or a provider, not both.")
        url = validate_endpoint(endpoint)
        if token and plain_http(url):
            raise errors.InvalidQueryError(
                f"A token is never sent over plain http to another machine ({origin(url)}).",
                hint="Use the server's https:// URL, or run it without a token.",
            )
        return Target(url, None, origin(url))
    if not provider:
        raise errors.InvalidQueryError(
            "Remote runs need an endpoint URL or an Inference Provider.",
            hint="Give `endpoint=` (a TGI/vLLM server) or `provider=` (e.g. hf-inference).",
        )
    names = known_providers()
    if len(names) > 1 and provider not in names:
        raise errors.InvalidQueryError(
            f"Unknown Inference Provider {provider!r}. Known: {', '.join(names)}",
            hint="Pick one of the known providers, or `auto`.",
        )
    if not model or not isinstance(model, str) or model.startswith(("http://", "https://")):
        raise errors.InvalidQueryError("With a provider, the model is a Hub repo id (`owner/name`).")
    return Target(model, provider, f"provider {provider}")
