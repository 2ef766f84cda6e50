"""Reacts to cards coming and going: CPS → PIN → practitioner session; Vitale → bénéficiaires.

Insertion and removal are derived here by comparing successive reader snapshots, so no button
is needed. Every card call runs on the card thread through the :class:`TaskRunner`; the PIN is
asked through :class:`QtInteraction` from that thread.
"""

from __future__ import annotations

import importlib
import itertools
import logging
from typing import Any

from cardio import layout
from cardio.errors import (
    CardCommunicationError,
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
from ui.token_watch import TokenWatch

logger = logging.getLogger(__name__)

VITALE = CardKind.VITALE.value
CPX = CardKind.CPS.value
UNKNOWN = CardKind.UNKNOWN.value
#: While the PKCS#11 token is away, one poll in this many restarts the module.
TOKEN_RESCAN_EVERY = 5


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
    #: The PKCS#11 token awaited (its configured name, "" when unnamed), None: not awaited.
    token_missing = Signal(object)

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
        #: Polls the token opened without a reader event: gone, back (PIN asked again).
        self.token_watch = TokenWatch(ctx.card_thread, self)
        self._token_reader: str | None = None  # the slot the token's holder was opened in
        #: A CPS was seen in a PC/SC reader: its reader path governs, the token is not
        #: watched any more (two PIN prompts for one card otherwise).
        self._token_paused = False

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
        if CPX not in self.kinds.values() and self._pkcs11_settings() is not None:
            self._open_token()

    def _pkcs11_settings(self) -> Any:
        """``carte-cps.json`` when it chooses PKCS#11, else None (a bad file included:
        its error is said when a CPS is read)."""
        unreadable = _card_api("client.errors", "ClientError")
        try:
            settings = card_settings(self._ctx)
        except unreadable as exc:
            logger.info("card settings unreadable: %s", exc)
            return None
        return settings if settings.backend == "pkcs11" else None

    def _open_token(self) -> None:
        """Open the token the middleware finds, the PIN asked: at start, and each time it
        comes back. No check meanwhile: the PIN prompt holds the card thread."""
        self.token_watch.stop()
        self._runner.submit(
            lambda: open_cpx(self._ctx, self._interaction, None),
            self._on_token_ready,
            self._on_token_failed,
            executor=self._ctx.card_thread,
            label="carte CPS",
        )

    def _on_token_ready(self, practitioner: Practitioner) -> None:
        if self._session.practitioner is not None or self._token_paused:
            # A CPS came into a reader meanwhile: that card is the practitioner's.
            self._ctx.card_thread.submit(_close_quietly, practitioner.connection)
            return
        self._session.set_practitioner(practitioner)
        self._token_reader = practitioner.reader
        self.token_missing.emit(None)
        card = practitioner.session
        self.token_watch.watch(card.token_present, self._on_token_checked)

    def _on_token_failed(self, exc: BaseException) -> None:
        if isinstance(exc, NoCardError):  # no token plugged in: wait for one
            logger.info("no PKCS#11 token")
            self._await_token()
            return
        self._on_failed("PKCS#11", exc)
        # PIN cancelled, blocked, the token pulled during the prompt…: never asked again by
        # itself; asked when the token comes back, as a card put in again. A module that
        # does not load is said once, not polled.
        watched = (CardOperationCancelled, PinError, PukError, CardCommunicationError)
        settings = self._pkcs11_settings()
        if isinstance(exc, watched) and settings is not None and not self._token_paused:
            configured = _card_api("client.practitioner_card", "configured_token")
            self.token_watch.watch(lambda: configured(settings), self._on_unused_token_checked)

    def _on_token_checked(self, present: object) -> None:
        if present or self._token_reader is None:
            return
        reader, self._token_reader = self._token_reader, None
        logger.info("PKCS#11 token gone")
        self._removed(reader)  # its session closed on the card thread, the prompt released
        self._await_token()

    def _on_unused_token_checked(self, slot: object) -> None:
        if slot is None:
            self._await_token()

    def _await_token(self) -> None:
        """Show the token as missing and poll the middleware until it is back. Every
        ``TOKEN_RESCAN_EVERY`` polls the module is started again (SoftHSM2 sees new tokens
        only then; OpenSC sees them at each listing, and its restart takes 15–350 ms):
        nothing of it is open now, the holder's session was closed on the card thread
        before."""
        settings = self._pkcs11_settings()
        if settings is None or self._token_paused:
            self.token_watch.stop()
            return
        self.token_missing.emit(settings.pkcs11_slot or "")
        configured = _card_api("client.practitioner_card", "configured_token")
        polls = itertools.count(1)

        def check() -> object:  # on the card thread, one at a time
            rescan = next(polls) % TOKEN_RESCAN_EVERY == 0
            return configured(settings, rescan=rescan)

        self.token_watch.watch(check, self._on_token_seen)

    def _on_token_seen(self, slot: object) -> None:
        if isinstance(slot, str) and any(
            kind == CPX and name in slot for name, kind in self.kinds.items()
        ):
            return  # the CPS of a PC/SC reader, which its reader path is opening
        if slot is not None and not self._token_paused:
            logger.info("PKCS#11 token back")
            self._open_token()

    def _inserted(self, reader: str, atr: bytes | None) -> None:
        kind = card_kind(atr)
        self.kinds[reader] = kind
        self.card_inserted.emit(reader, kind)
        if kind == CPX:
            # A CPS in a reader is the card from now on, never the token (the monitor
            # tells its going and coming), and the module must not be started again
            # under its session.
            self._token_paused = True
            if self.token_watch.watching:
                self.token_watch.stop()
                self.token_missing.emit(None)
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
