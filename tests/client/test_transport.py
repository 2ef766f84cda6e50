"""The HTTPS transport's contract: configuration checked up front, low-level failures
mapped to typed errors whose ``retryable`` drives the sender, French wording for each."""

from __future__ import annotations

import http.client
import socket
import ssl
from pathlib import Path

import pytest
from am_support import client_settings

from client.messages import describe
from client.transport import (
    AuthenticationError,
    HttpsTransport,
    MalformedAnswerError,
    ServerRejectedError,
    ServerUnavailableError,
    TransportConfigError,
    _map_os_error,
)


def test_missing_certificate_file_is_a_configuration_error(tmp_path: Path) -> None:
    settings = client_settings("https://127.0.0.1:1", client_cert=tmp_path / "absent.pem")
    with pytest.raises(TransportConfigError) as info:
        HttpsTransport(settings)
    assert not info.value.retryable
    assert "settings.json" in (describe(info.value) or "")


def test_plain_http_is_refused() -> None:
    with pytest.raises(TransportConfigError):
        HttpsTransport(client_settings("http://127.0.0.1:8443"))


@pytest.mark.parametrize(
    ("exc", "kind", "retryable"),
    [
        (ConnectionRefusedError(), "refused", True),
        (TimeoutError(), "timeout", True),
        (ConnectionResetError(), "dropped", True),
        (BrokenPipeError(), "dropped", True),
        (http.client.RemoteDisconnected("x"), "dropped", True),
        (http.client.IncompleteRead(b""), "dropped", True),
        (http.client.BadStatusLine("garbage"), "réponse", True),
        (socket.gaierror(-2, "Name or service not known"), "network", True),
        (ssl.SSLCertVerificationError(1, "certificate verify failed"), "certificat", False),
    ],
)
def test_low_level_failures_map_to_typed_errors(
    exc: BaseException, kind: str, retryable: bool
) -> None:
    error = _map_os_error(exc)
    assert error.kind == kind
    assert error.retryable is retryable
    assert describe(error)


def test_wording_says_what_happened_in_french() -> None:
    refused = describe(ServerUnavailableError("refused", ""))
    assert refused is not None and "injoignable" in refused
    maintenance = describe(ServerUnavailableError("http", "", 503))
    assert maintenance is not None and "503" in maintenance
    garbage = describe(MalformedAnswerError("ARL", "x"))
    assert garbage is not None and "illisible" in garbage
    rejected = describe(ServerRejectedError("http", "HTTP 409 clé", 409))
    assert rejected is not None and "refusé" in rejected
    tls = describe(AuthenticationError("certificat", ""))
    assert tls is not None and "certificat" in tls


def test_http_statuses_map_to_retryable_or_permanent() -> None:
    message = http.client.HTTPMessage()
    message["Retry-After"] = "7"
    unavailable = HttpsTransport._http_error(503, message, b'{"detail": "maintenance"}')
    assert isinstance(unavailable, ServerUnavailableError)
    assert unavailable.retryable and unavailable.retry_after == 7.0
    too_many = HttpsTransport._http_error(429, http.client.HTTPMessage(), b"")
    assert too_many.retryable
    refused = HttpsTransport._http_error(400, http.client.HTTPMessage(), b"<html>")
    assert isinstance(refused, ServerRejectedError) and not refused.retryable
