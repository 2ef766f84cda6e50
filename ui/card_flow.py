"""Reacts to cards coming and going: CPS → PIN → practitioner session; Vitale → bénéficiaires.

Insertion and removal are derived here by comparing successive reader snapshots, so no button
is needed. Every card call runs on the card thread through the :class:`TaskRunner`; the PIN is
asked through :class:`QtInteraction` from that thread.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from cardio import layout
from cardio.errors import (
    CardError,
    CardOperationCancelled,
    NoCardError,
    PinBlockedError,
    PinError,
    PukBlockedError,
    PukError,
)
from cardio.probe import CardKind, classify_atr
from ui.card_watch import ReaderView
from ui.qt import QObject, Signal, Slot
from ui.session import Practitioner, SessionState
from ui.tasks import TaskRunner

logger = logging.getLogger(__name__)

VITALE = CardKind.VITALE.value
CPX = CardKind.CPS.value
UNKNOWN = CardKind.UNKNOWN.value


def card_kind(atr: bytes | None) -> str:
    """Which family a card belongs to, from its ATR (first guess, confirmed when read)."""
    return classify_atr(atr).value


def _card_api(module: str, name: str) -> Any:
    return getattr(importlib.import_module(module), name)


def _call(obj: Any, name: str) -> Any:
    """A property or a no-argument method of a lower-layer object."""
    value = getattr(obj, name)
    return value() if callable(value) else value


def card_settings(ctx: Any) -> Any:
    """``carte-cps.json`` of the context's data directory (``sesam-desk --data-dir``)."""
    cards = importlib.import_module("client.practitioner_card")
    where = getattr(ctx, "data_dir", None)
    return cards.load_card_settings(where / cards.CARD_SETTINGS_NAME if where else None)


def open_cpx(ctx: Any, interaction: Any, reader: str | None) -> Practitioner:
    """On the card thread: identity, PIN for a CPS (asked to the user), situations.

    ``reader`` None: the PKCS#11 token in no PC/SC reader, found by the middleware."""
    settings = card_settings(ctx)
    if settings.backend == "pkcs11":  # through the middleware (carte-cps.json)
        session = _card_api("client.practitioner_card", "pkcs11_card")(settings, reader)
        connection = session  # closing the card closes its PKCS#11 session
        reader = reader or str(session.reader)  # the slot's description names it
    elif reader is None:
        raise NoCardError("the APDU path needs the reader holding the CPS")
    else:
        session_cls = _card_api("cardio.cps", "CpsSession")
        connection = ctx.connect(reader)
        session = session_cls(connection)
    identity = session.read_identity()
    card_type = str(getattr(identity, "card_type_name", "") or _type_name(identity))
    if card_type == "CPS":
        tries = _call(session, "pin_tries_left")
        while True:
            if tries is not None and tries <= 0:
                _unblock(session, interaction, reader)
                break  # the new PIN was verified with the unblock
            pin = interaction.request_pin(reader, tries)
            if pin is None:
                raise CardOperationCancelled("PIN prompt cancelled")
            try:
                session.verify_pin(pin)
                break
            except PinBlockedError:
                raise
            except PinError as exc:  # the user types again, with the new count shown
                tries = exc.attempts_remaining
                notice = getattr(interaction, "note_wrong_pin", None)
                if callable(notice):
                    notice()
    situations = tuple(session.read_situations())
    return Practitioner(reader, identity, situations, 0, card_type, session, connection)


def _unblock(session: Any, interaction: Any, reader: str) -> None:
    """A blocked CPS: offer the PUK unblock (card thread); the new PIN is then verified,
    so the user does not type it a third time.

    :raises PinBlockedError: no way to ask (a CLI-like interaction).
    :raises CardOperationCancelled: the user declined (he has read that it is blocked).
    :raises PukBlockedError: the PUK is blocked too.
    """
    ask = getattr(interaction, "request_unblock", None)
    if not callable(ask):
        raise PinBlockedError()
    puk_tries: int | None = None
    wrong = False
    while True:
        codes = ask(reader, puk_tries, wrong)
        if codes is None:
            raise CardOperationCancelled("PUK unblock declined")
        puk, new_pin = codes
        try:
            session.unblock_pin(puk, new_pin)
        except PukBlockedError:
            raise
        except PukError as exc:  # typed again, with the PUK tries left shown
            puk_tries, wrong = exc.attempts_remaining, True
            continue
        session.verify_pin(new_pin)
        return


def _type_name(identity: Any) -> str:
    raw = getattr(identity, "card_type", "0")
    raw = getattr(raw, "value", raw)
    if isinstance(raw, str) and raw in layout.CPS_CARD_TYPES.values():
        return raw
    return layout.CPS_CARD_TYPES.get(str(raw), "CPS")


def _close_quietly(connection: Any) -> None:
    try:
        connection.close()
    except CardError:  # the card is gone already: nothing left to release
        logger.debug("closing a removed card's connection failed")


def read_vitale(ctx: Any, reader: str) -> Any:
    """On the card thread: the whole carte Vitale (assuré, bénéficiaires, rights)."""
    reader_cls = _card_api("cardio.vitale", "VitaleReader")
    read_whole = _card_api("client.vitale_public", "read_whole_card")
    with ctx.connect(reader) as connection:
        # public zone only (a real Vitale 2): a ClientError naming the count, not « illisible »
        return read_whole(reader_cls(connection))


class CardFlow(QObject):
    """Derives insert/remove from snapshots and runs the matching card workflow."""

    card_inserted = Signal(str, str)  # reader, kind
    card_removed = Signal(str)
    card_failed = Signal(str, object)  # reader, exception
    busy_changed = Signal(str, str)  # reader, what is being done ("" when idle)

    def __init__(
        self,
        ctx: Any,
        runner: TaskRunner,
        session: SessionState,
        interaction: Any,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._runner = runner
        self._session = session
        self._interaction = interaction
        self._present: dict[str, tuple[bytes, int] | None] = {}
        self.kinds: dict[str, str] = {}
        self._token_offered = False

    @Slot(object)
    def on_readers_changed(self, views: tuple[ReaderView, ...]) -> None:
        seen = set()
        for view in views:
            seen.add(view.name)
            before = self._present.get(view.name, None)
            had = view.name in self._present and before is not None
            now = (view.atr or b"", view.event_count)
            if view.card_present and (not had or before != now):
                if had:
                    self._removed(view.name)
                self._present[view.name] = now
                self._inserted(view.name, view.atr)
            elif not view.card_present:
                if had:
                    self._removed(view.name)
                self._present[view.name] = None
        for name in [n for n in self._present if n not in seen]:
            if self._present[name] is not None:
                self._removed(name)
            del self._present[name]
        if not self._token_offered:
            self._token_offered = True
            self._offer_token()

    def _offer_token(self) -> None:
        """At start, with the PKCS#11 backend and no CPx in any reader: open the token the
        middleware finds (SoftHSM2, a USB key), which no reader event will ever announce."""
        if CPX in self.kinds.values():
            return
        unreadable = _card_api("client.errors", "ClientError")
        try:
            if card_settings(self._ctx).backend != "pkcs11":
                return
        except unreadable as exc:  # a bad carte-cps.json: said when a CPS is read
            logger.info("card settings unreadable: %s", exc)
            return
        self._runner.submit(
            lambda: open_cpx(self._ctx, self._interaction, None),
            self._on_token_ready,
            self._on_token_failed,
            executor=self._ctx.card_thread,
            label="carte CPS",
        )

    def _on_token_ready(self, practitioner: Practitioner) -> None:
        if self._session.practitioner is not None:  # a CPS came into a reader meanwhile
            self._ctx.card_thread.submit(_close_quietly, practitioner.connection)
            return
        self._session.set_practitioner(practitioner)

    def _on_token_failed(self, exc: BaseException) -> None:
        if isinstance(exc, NoCardError):  # no token plugged in: nothing to offer
            logger.info("no PKCS#11 token at start")
            return
        self._on_failed("PKCS#11", exc)

    def _inserted(self, reader: str, atr: bytes | None) -> None:
        kind = card_kind(atr)
        self.kinds[reader] = kind
        self.card_inserted.emit(reader, kind)
        if kind == CPX:
            self.start_cpx(reader)
        elif kind == VITALE:
            self.start_vitale(reader)

    def _removed(self, reader: str) -> None:
        self.kinds.pop(reader, None)
        for holder in (self._session.practitioner, self._session.staff):
            if holder is not None and holder.reader == reader and holder.connection is not None:
                self._ctx.card_thread.submit(_close_quietly, holder.connection)
        # A PIN prompt may still be open for this card: release the card thread.
        self._interaction.abort(reader)
        self._session.end_card_session(reader)
        self.card_removed.emit(reader)

    def start_cpx(self, reader: str) -> None:
        self.busy_changed.emit(reader, "Lecture de la carte CPS…")
        self._runner.submit(
            lambda: open_cpx(self._ctx, self._interaction, reader),
            lambda practitioner: self._on_cpx_ready(reader, practitioner),
            lambda exc: self._on_failed(reader, exc),
            executor=self._ctx.card_thread,
            label="carte CPS",
        )

    def start_vitale(self, reader: str) -> None:
        self.busy_changed.emit(reader, "Lecture de la carte Vitale…")
        self._runner.submit(
            lambda: read_vitale(self._ctx, reader),
            lambda card: self._on_vitale_ready(reader, card),
            lambda exc: self._on_failed(reader, exc),
            executor=self._ctx.card_thread,
            label="carte Vitale",
        )

    def _on_cpx_ready(self, reader: str, practitioner: Practitioner) -> None:
        self.busy_changed.emit(reader, "")
        if self.kinds.get(reader) != CPX:  # removed while we were reading
            return
        self._session.set_practitioner(practitioner)

    def _on_vitale_ready(self, reader: str, card: Any) -> None:
        self.busy_changed.emit(reader, "")
        if self.kinds.get(reader) != VITALE:
            return
        self._session.set_vitale(reader, card)

    def _on_failed(self, reader: str, exc: BaseException) -> None:
        self.busy_changed.emit(reader, "")
        if isinstance(exc, CardError) and not isinstance(exc, CardOperationCancelled):
            self._ctx.note_card_error(exc)
        self.card_failed.emit(reader, exc)
