"""The ApCV service itself: opens a session from a patient's code (checked, single-use),
gives identity, bénéficiaires and their rights at the date of care (the ADRi answer of the
simulated caisses), then signs one FSE digest for the session.

Sessions and used codes are kept in memory: a code lives three minutes and a session half an
hour, and a restarted service refusing nothing it should is the only loss (test bench)."""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from testbed.am.adri import Directory
from testbed.apcv.keys import ApcvKey
from testbed.apcv.token import Token, TokenError, decode

logger = logging.getLogger(__name__)

SESSION_LIFETIME = timedelta(minutes=30)
SIGNED_PREFIX = "SESAM-APCV-FSE"


class ApcvRefusal(Exception):
    """A refused request: HTTP status, error code (``docs/formats/apcv.md``), reason."""

    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.code = code
        self.reason = reason


def signed_message(session_id: str, patient_key: str, digest_hex: str) -> bytes:
    """What the service signs for an FSE: the session, the bénéficiaire, the FSE digest."""
    return f"{SIGNED_PREFIX}|{session_id}|{patient_key}|{digest_hex}".encode("ascii")


@dataclass(slots=True)
class Session:
    session_id: str
    expires_at: datetime
    patient_keys: frozenset[str]
    signed: str = ""  # the digest signed (one FSE per session)
    answer: dict[str, Any] = field(default_factory=dict)


def patient_key(adri: dict[str, Any]) -> str:
    """The FSE's key of a bénéficiaire (assuré NIR with key, birth date, rang)."""
    return f"{adri['nir_assure']}-{adri['date_naissance']}-{adri['rang']}"


class ApcvService:
    """Sessions and signatures; thread-safe (the HTTPS server answers on many threads)."""

    def __init__(
        self,
        key: ApcvKey,
        directory: Directory | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.key = key
        self.directory = directory or Directory()
        self.clock = clock
        self._lock = threading.Lock()
        self._used: dict[str, datetime] = {}  # token id -> its expiry
        self._sessions: dict[str, Session] = {}

    def open_session(self, text: str, care_date: date) -> dict[str, Any]:
        """The session's answer (``docs/formats/apcv.md``, « Session »).

        :raises ApcvRefusal: unreadable (400), foreign (403), expired (410) or used (409)
            code; a bénéficiaire the caisses do not know (404).
        """
        now = self.clock()
        try:
            token = decode(text, self.key.certificate.public_key())  # type: ignore[arg-type]
        except TokenError as exc:
            status = 403 if exc.kind == "code_etranger" else 400
            raise ApcvRefusal(status, exc.kind, exc.reason) from exc
        if now >= token.expires_at:
            raise ApcvRefusal(410, "code_expire", "code ApCV expiré")
        with self._lock:
            self._forget(now)
            if token.token_id in self._used:
                raise ApcvRefusal(409, "code_deja_utilise", "code ApCV déjà utilisé")
            self._used[token.token_id] = token.expires_at
        answers = self._rights(token, care_date)
        session_id = "APCVS-" + secrets.token_hex(12).upper()
        answer = {
            "session": session_id,
            "expire": _stamp(now + SESSION_LIFETIME),
            "date_soins": care_date.isoformat(),
            "transport": token.transport.value,
            "porteur": {"nir": token.holder.nir, "rang": token.holder.rang},
            "tiers_de_confiance": token.trusted_third_party,
            "beneficiaires": answers,
        }
        with self._lock:
            self._sessions[session_id] = Session(
                session_id,
                now + SESSION_LIFETIME,
                frozenset(patient_key(a) for a in answers),
                answer=answer,
            )
        logger.info("ApCV session %s opened (%d bénéficiaires)", session_id, len(answers))
        return answer

    def _rights(self, token: Token, care_date: date) -> list[dict[str, Any]]:
        answers = []
        for person in token.beneficiaires:
            found = self.directory.answer(person.nir, person.naissance, person.rang, care_date)
            if found is None:
                raise ApcvRefusal(404, "beneficiaire_inconnu", "bénéficiaire inconnu des caisses")
            answers.append(found)
        return answers

    def sign(self, session_id: str, digest_hex: str, key_of_patient: str) -> str:
        """The signature (hex, DER) of an FSE digest for the session's bénéficiaire.

        :raises ApcvRefusal: unknown (404) or expired (410) session, a patient the session
            does not present (403), a session that already signed another FSE (409).
        """
        now = self.clock()
        if len(digest_hex) != 64 or any(c not in "0123456789abcdef" for c in digest_hex):
            raise ApcvRefusal(400, "empreinte_illisible", "empreinte SHA-256 attendue (hex)")
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                raise ApcvRefusal(404, "session_inconnue", "session ApCV inconnue")
            if now >= session.expires_at:
                raise ApcvRefusal(410, "session_expiree", "session ApCV expirée")
            if key_of_patient not in session.patient_keys:
                raise ApcvRefusal(
                    403, "patient_hors_session", "ce patient n'est pas présenté par cette ApCV"
                )
            if session.signed and session.signed != digest_hex:
                raise ApcvRefusal(
                    409, "session_deja_utilisee", "cette session a déjà sécurisé une FSE"
                )
            session.signed = digest_hex
        signature = self.key.private_key.sign(
            signed_message(session_id, key_of_patient, digest_hex), ec.ECDSA(hashes.SHA256())
        )
        return signature.hex()

    def _forget(self, now: datetime) -> None:
        """Drop what has expired (under the lock)."""
        for token_id in [t for t, end in self._used.items() if end < now - SESSION_LIFETIME]:
            del self._used[token_id]
        for sid in [s for s, v in self._sessions.items() if v.expires_at < now]:
            del self._sessions[sid]


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
