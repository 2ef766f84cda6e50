"""The secured FSE a post could not store because the cabinet's server did not answer.

An FSE secured by the cards (its number handed out, the Vitale's certification made) must
not be lost when the server stops or the network is cut between the signature and the
write: it is appended here, in this workstation's data folder (one JSON line per FSE, the
file fsynced before the user is told), and stored under its own number by ``replay`` once
the server answers again — at the next FSE created on this post or ``sesam numbers
replay``. Replaying is idempotent (an FSE already stored, found by its wire identifier, is
skipped), so a post killed mid-replay loses and doubles nothing.

Health data: the file is 0600, never logged, and emptied as soon as it is replayed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path

from billing.fse import Fse
from billing.fse_document import fse_from_document
from billing.lot import LotRules
from client.durable import fsync_directory, replace_file
from client.errors import ClientError
from client.store import Store
from client.store.errors import NotFoundError, StorageError

logger = logging.getLogger(__name__)

#: Beside the store in the data folder (on PostgreSQL the folder holds only this post's).
JOURNAL_NAME = "fse-en-attente.jsonl"
_VERSION = 1


class FseKeptOfflineError(ClientError):
    """The FSE is secured and kept on this post: the server will store it when it answers."""

    def __init__(self, number: int, detail: str = "") -> None:
        super().__init__(
            f"Le serveur du cabinet ne répond pas : la FSE n° {number} est sécurisée et "
            "gardée sur ce poste. Elle sera enregistrée d'elle-même dès que le serveur "
            "répondra ; ne la refaites pas." + (f" (Détail : {detail})" if detail else "")
        )
        self.number = number


@dataclass(frozen=True, slots=True)
class KeptFse:
    """One FSE waiting for the server (health data)."""

    fse: Fse
    patient_names: tuple[str, str]
    kept_at: datetime
    draft_id: str = ""  # the prepared invoice it bills (issue #26), taken when stored


@dataclass(frozen=True, slots=True)
class Replayed:
    """What a replay did: FSE stored now, FSE found already stored, FSE still waiting,
    and FSE not stored because their prepared invoice was billed on another post
    meanwhile (never twice: their number is recorded unused)."""

    stored: int
    already: int
    waiting: int
    billed_elsewhere: int = 0


class OfflineJournal:
    """The journal file of one post (``<data folder>/fse-en-attente.jsonl``)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def beside(cls, store: Store) -> OfflineJournal:
        return cls(store.path.parent / JOURNAL_NAME)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        # The desk and a ``sesam`` command on the same post may both write or replay.
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def keep(
        self, fse: Fse, patient_names: tuple[str, str], now: datetime, draft_id: str = ""
    ) -> None:
        """Append ``fse`` (and the prepared invoice it bills); on disk (fsynced) when this
        returns."""
        line = _line(KeptFse(fse, patient_names, now, draft_id))
        with self._locked():
            created = not self.path.exists()
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (line + "\n").encode())
                os.fsync(fd)
            finally:
                os.close(fd)
            if created:
                fsync_directory(self.path.parent)
        logger.warning("FSE n° %d kept on this post: the server did not answer", fse.number)

    def pending(self) -> list[KeptFse]:
        """The FSE waiting, oldest first."""
        with self._locked():
            return self._read()

    def _read(self) -> list[KeptFse]:
        if not self.path.exists():
            return []
        kept = []
        for text in self.path.read_text(encoding="utf-8").splitlines():
            try:
                raw = json.loads(text)
                names = raw["patient"]
                kept.append(
                    KeptFse(
                        fse=fse_from_document(raw["fse"]),
                        patient_names=(str(names[0]), str(names[1])),
                        kept_at=datetime.fromisoformat(raw["kept_at"]),
                        draft_id=str(raw.get("draft", "") or ""),
                    )
                )
            except (ValueError, KeyError, TypeError, IndexError, ClientError):
                # A line cut by a post killed while writing it: that FSE was never
                # reported kept (``keep`` returns after the fsync), the user redid it.
                logger.warning("offline journal: an unreadable line skipped")
        return kept

    def replay(self, store: Store, rules: LotRules, now: datetime) -> Replayed:
        """Store every FSE waiting (each in its own transaction, with its lot); stops at
        the first server failure and keeps the rest for the next time."""
        stored = already = elsewhere = 0
        with self._locked():
            kept = self._read()
            if not kept:
                return Replayed(0, 0, 0)
            done = 0
            try:
                for item in kept:
                    outcome = _store_one(store, item, rules, now)
                    if outcome is _Outcome.BILLED_ELSEWHERE:
                        body = item.fse.body
                        store.cabinet.abandon_fse_number(
                            body.practitioner.practitioner_id, item.fse.number, now, _ELSEWHERE
                        )
                    stored += outcome is _Outcome.STORED
                    already += outcome is _Outcome.ALREADY
                    elsewhere += outcome is _Outcome.BILLED_ELSEWHERE
                    done += 1
            except StorageError:
                logger.warning("offline journal: the server failed again, %d kept", len(kept))
            finally:
                self._rewrite(kept[done:])
            return Replayed(stored, already, len(kept) - done, elsewhere)

    def _rewrite(self, rest: list[KeptFse]) -> None:
        if not rest:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            return
        lines = [_line(k) for k in rest]
        replace_file(self.path, ("\n".join(lines) + "\n").encode())


def _line(kept: KeptFse) -> str:
    record = {
        "version": _VERSION,
        "fse": kept.fse.to_document(),
        "patient": list(kept.patient_names),
        "kept_at": kept.kept_at.isoformat(),
    }
    if kept.draft_id:
        record["draft"] = kept.draft_id
    return json.dumps(record, sort_keys=True)


class _Outcome(Enum):
    STORED = "stored"
    ALREADY = "already"  # a replay cut short stored it
    BILLED_ELSEWHERE = "billed_elsewhere"  # its prepared invoice: by another post meanwhile


#: The reason recorded for the number of a kept FSE whose invoice another post billed.
_ELSEWHERE = "facture préparée facturée sur un autre poste pendant la panne"


def _store_one(store: Store, item: KeptFse, rules: LotRules, now: datetime) -> _Outcome:
    """Store one kept FSE, taking its prepared invoice in the same transaction."""
    fse = item.fse
    with store.write():
        try:
            store.fse_by_uuid(fse.body.fse_id)
            return _Outcome.ALREADY
        except NotFoundError:
            pass
        if item.draft_id and not store.cabinet.draft_waiting(item.draft_id):
            return _Outcome.BILLED_ELSEWHERE
        store.upsert_practitioner(fse.body.practitioner, now)
        store.insert_fse(fse, patient_names=item.patient_names, now=now, rules=rules)
        store.cabinet.release_fse_number(fse.body.practitioner.practitioner_id, fse.number)
        if item.draft_id:
            store.cabinet.take_draft(item.draft_id)
    return _Outcome.STORED
