"""Reacts to cards coming and going: CPS → PIN → practitioner session; Vitale → bénéficiaires.

The reader monitor tells insertions, removals and swaps (``cardio.monitor.ReaderEvent``,
with the card's family as it probed it); this flow only acts on them, so no button is
needed. The card is opened and its PIN asked by ``client.card_session`` on the card thread
through the :class:`TaskRunner`; the desk answers its questions with the PIN and PUK dialogs
(:class:`DeskInteraction` over :class:`QtInteraction`).
"""

from __future__ import annotations

import itertools
import logging
from typing import Protocol, runtime_checkable

from cardio.errors import (
    CardCommunicationError,
    CardError,
    CardOperationCancelled,
    NoCardError,
    PinError,
    PukError,
)
from cardio.monitor import EventKind, ReaderEvent
from cardio.probe import CardKind
from cardio.vitale import VitaleCard, VitaleReader
from client.card_session import Closable, open_session
from client.context import AppContext
from client.errors import ClientError
from client.practitioner_card import (
    CARD_SETTINGS_NAME,
    CardSettings,
    configured_token,
    load_card_settings,
)
from client.vitale_public import read_whole_card
from ui.interaction import QtInteraction
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


class DeskInteraction:
    """``client.card_session.CardInteraction`` answered by the desk's dialogs: asked again
    after a wrong PIN (the dialog says so), the PUK unblock offered for a blocked card."""

    def __init__(self, qt: QtInteraction) -> None:
        self._qt = qt

    def ask_pin(self, reader: str, tries_left: int | None) -> str | None:
        return self._qt.request_pin(reader, tries_left)

    def pin_refused(self, reader: str, error: PinError) -> None:
        self._qt.note_wrong_pin()

    def ask_unblock(
        self, reader: str, puk_tries_left: int | None, wrong: bool
    ) -> tuple[str, str] | None:
        return self._qt.request_unblock(reader, puk_tries_left, wrong)


@runtime_checkable
class TokenCard(Protocol):
    """A PKCS#11 CPS (``cardio.pkcs11_card.Pkcs11CpsCard``, not imported: pkcs11 is heavy)."""

    def token_present(self) -> bool: ...


def card_settings(ctx: AppContext) -> CardSettings:
    """``carte-cps.json`` of the context's data directory (``sesam-desk --data-dir``)."""
    return load_card_settings(ctx.data_dir / CARD_SETTINGS_NAME)


def open_cpx(ctx: AppContext, interaction: DeskInteraction, reader: str | None) -> Practitioner:
    """On the card thread: identity, PIN for a CPS (asked to the user), situations.

    ``reader`` None: the PKCS#11 token in no PC/SC reader, found by the middleware."""
    opened = open_session(
        ctx.connect,
        reader,
        card_settings(ctx),
        interaction,
        pin_for=lambda card_type: card_type == "CPS",  # a CPE signs nothing: no PIN
    )
    return Practitioner(
        opened.reader,
        opened.identity,
        opened.situations,
        0,
        opened.card_type,
        opened.card,
        opened.connection,
    )


def _close_quietly(connection: Closable) -> None:
    try:
        connection.close()
    except CardError:  # the card is gone already: nothing left to release
        logger.debug("closing a removed card's connection failed")


def read_vitale(ctx: AppContext, reader: str) -> VitaleCard:
    """On the card thread: the whole carte Vitale (assuré, bénéficiaires, rights)."""
    with ctx.connect(reader) as connection:
        # public zone only (a real Vitale 2): a ClientError naming the count, not « illisible »
        return read_whole_card(VitaleReader(connection))


class CardFlow(QObject):
    """Runs the card workflow the monitor's events call for."""

    card_inserted = Signal(str, str)  # reader, kind
    card_removed = Signal(str)
    card_failed = Signal(str, object)  # reader, exception
    busy_changed = Signal(str, str)  # reader, what is being done ("" when idle)
    #: The PKCS#11 token awaited (its configured name, "" when unnamed), None: not awaited.
    token_missing = Signal(object)

    def __init__(
        self,
        ctx: AppContext,
        runner: TaskRunner,
        session: SessionState,
        interaction: QtInteraction,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._runner = runner
        self._session = session
        self._interaction = interaction
        self._asks = DeskInteraction(interaction)
        #: The family of the card in each reader, as the monitor's event told it.
        self.kinds: dict[str, str] = {}
        self._token_offered = False
        #: Polls the token opened without a reader event: gone, back (PIN asked again).
        self.token_watch = TokenWatch(ctx.card_thread, self)
        self._token_reader: str | None = None  # the slot the token's holder was opened in
        #: A CPS was seen in a PC/SC reader: its reader path governs, the token is not
        #: watched any more (two PIN prompts for one card otherwise).
        self._token_paused = False

    @Slot(object)
    def on_card_events(self, events: tuple[ReaderEvent, ...]) -> None:
        """The monitor's events of one poll (none at all for a quiet first poll)."""
        for event in events:
            if event.reader is None:
                continue  # the PC/SC service: its cards' removals come as events too
            if event.kind is EventKind.CARD_REMOVED:
                self._removed(event.reader)
            elif event.kind is EventKind.CARD_INSERTED:
                self._inserted(event.reader, event.card_kind.value)
            elif event.kind is EventKind.CARD_SWAPPED:  # whatever was known of it is stale
                self._removed(event.reader)
                self._inserted(event.reader, event.card_kind.value)
        if not self._token_offered:
            self._token_offered = True
            self._offer_token()

    def _offer_token(self) -> None:
        """At start, with the PKCS#11 backend and no CPx in any reader: open the token the
        middleware finds (SoftHSM2, a USB key), which no reader event will ever announce."""
        if CPX not in self.kinds.values() and self._pkcs11_settings() is not None:
            self._open_token()

    def _pkcs11_settings(self) -> CardSettings | None:
        """``carte-cps.json`` when it chooses PKCS#11, else None (a bad file included:
        its error is said when a CPS is read)."""
        try:
            settings = card_settings(self._ctx)
        except ClientError as exc:
            logger.info("card settings unreadable: %s", exc)
            return None
        return settings if settings.backend == "pkcs11" else None

    def _open_token(self) -> None:
        """Open the token the middleware finds, the PIN asked: at start, and each time it
        comes back. No check meanwhile: the PIN prompt holds the card thread."""
        self.token_watch.stop()
        self._runner.submit(
            lambda: open_cpx(self._ctx, self._asks, None),
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
        if isinstance(card, TokenCard):  # always: the token path opens a Pkcs11CpsCard
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
            self.token_watch.watch(
                lambda: configured_token(settings), self._on_unused_token_checked
            )

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
        polls = itertools.count(1)

        def check() -> object:  # on the card thread, one at a time
            rescan = next(polls) % TOKEN_RESCAN_EVERY == 0
            return configured_token(settings, rescan=rescan)

        self.token_watch.watch(check, self._on_token_seen)

    def _on_token_seen(self, slot: object) -> None:
        if isinstance(slot, str) and any(
            kind == CPX and name in slot for name, kind in self.kinds.items()
        ):
            return  # the CPS of a PC/SC reader, which its reader path is opening
        if slot is not None and not self._token_paused:
            logger.info("PKCS#11 token back")
            self._open_token()

    def _inserted(self, reader: str, kind: str) -> None:
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
            lambda: open_cpx(self._ctx, self._asks, reader),
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

    def _on_vitale_ready(self, reader: str, card: VitaleCard) -> None:
        self.busy_changed.emit(reader, "")
        if self.kinds.get(reader) != VITALE:
            return
        self._session.set_vitale(reader, card)

    def _on_failed(self, reader: str, exc: BaseException) -> None:
        self.busy_changed.emit(reader, "")
        if isinstance(exc, CardError) and not isinstance(exc, CardOperationCancelled):
            self._ctx.note_card_error(exc)
        self.card_failed.emit(reader, exc)
