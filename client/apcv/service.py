"""The ApCV service seen from the desk: open a session from the patient's code, then have
it sign the FSE digest (``docs/formats/apcv.md``). Same mutual TLS as the concentrator
(``client.transport``), at ``settings.apcv_url``, with a short connect timeout: without the
network the ApCV cannot work, and the desk says so at once rather than after a long wait."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import date
from typing import Any

from client.apcv.errors import ApcvError, ApcvFault
from client.settings import Settings
from client.transport import (
    HttpsTransport,
    MalformedAnswerError,
    ServerRejectedError,
    ServerUnavailableError,
    TransportError,
)

logger = logging.getLogger(__name__)

#: Seconds to reach the service: loopback or the cabinet's line answer well within it.
CONNECT_TIMEOUT = 2.0
ANSWER_DEADLINE = 15.0

_REFUSALS = {fault.value: fault for fault in ApcvFault}


class ApcvTransport(HttpsTransport):
    """``HttpsTransport`` pointed at the ApCV service."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            replace(
                settings,
                server_url=settings.apcv_url,
                connect_timeout=min(settings.connect_timeout, CONNECT_TIMEOUT),
                answer_deadline=min(settings.answer_deadline, ANSWER_DEADLINE),
            )
        )

    def _post(self, path: str, doc: dict[str, str]) -> dict[str, Any]:
        try:
            status, _headers, data = self._request(
                "POST", path, json.dumps(doc).encode(), {"Content-Type": "application/json"}
            )
        except ServerUnavailableError as exc:
            raise ApcvError(ApcvFault.OFFLINE, str(exc)) from exc
        except TransportError as exc:
            raise ApcvError(ApcvFault.OFFLINE, str(exc)) from exc
        try:
            answer = self._json(data)
        except MalformedAnswerError as exc:
            raise ApcvError(ApcvFault.GARBAGE) from exc
        if not isinstance(answer, dict):
            raise ApcvError(ApcvFault.GARBAGE)
        if status in (200, 201):
            return answer
        fault = _REFUSALS.get(str(answer.get("erreur", "")))
        if fault is not None:
            raise ApcvError(fault)
        if status >= 500:
            raise ApcvError(ApcvFault.OFFLINE, f"HTTP {status}")
        raise ApcvError(ApcvFault.GARBAGE, str(ServerRejectedError("http", f"HTTP {status}")))

    def open_session(self, code: str, care_date: date) -> dict[str, Any]:
        """POST /v1/apcv/sessions: the session's answer document."""
        return self._post("/v1/apcv/sessions", {"code": code, "date_soins": care_date.isoformat()})

    def sign(self, session_id: str, digest_hex: str, patient_key: str) -> bytes:
        """POST /v1/apcv/sessions/<id>/signatures: the signature of an FSE digest."""
        answer = self._post(
            f"/v1/apcv/sessions/{session_id}/signatures",
            {"empreinte": digest_hex, "patient": patient_key},
        )
        try:
            return bytes.fromhex(str(answer["signature"]))
        except (KeyError, ValueError) as exc:
            raise ApcvError(ApcvFault.GARBAGE) from exc
