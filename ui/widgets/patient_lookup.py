"""The look-ups the desk runs in the background for a patient without his card: the local
patient file, ADRi by NIR, and a refresh of the rights by ADRi. The answers go to the
patient panel (results, or a hint saying why not)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from client.context import AppContext
from ui import services
from ui.errors import message_for, show_error
from ui.qt import QWidget
from ui.tasks import TaskRunner
from ui.translation import tr
from ui.widgets.patient_panel import PatientChoice, PatientPanel


class PatientLookup:
    """Submits the look-ups on the runner; ``care_date`` is read when each one starts."""

    def __init__(
        self,
        owner: QWidget,
        ctx: AppContext,
        runner: TaskRunner,
        patients: Callable[[], PatientPanel],
        care_date: Callable[[], dt.date],
    ) -> None:
        self._owner = owner
        self._ctx = ctx
        self._runner = runner
        self._patients = patients
        self._care_date = care_date

    def search(self, text: str) -> None:
        self._runner.submit(
            lambda: self._ctx.db.submit(
                lambda store: services.search_patients(store, text)
            ).result(),
            self._patients().show_search_results,
            lambda exc: show_error(self._owner, exc, "Recherche de patient"),
            label="recherche patient",
        )

    def refresh_rights(self, choice: PatientChoice | None) -> None:
        if choice is None:
            self._patients().search_hint.setText(
                tr("Choisissez d'abord le patient dont il faut actualiser les droits.")
            )
            return
        self._patients().search_hint.setText(tr("Interrogation ADRi…"))
        day = self._care_date()
        self._runner.submit(
            lambda: services.adri_refresh(self._ctx, choice, day),
            self._on_adri_done,
            self._on_adri_failed,
            label="ADRi",
        )

    def by_nir(self, nir: str, birth: str, rank: str) -> None:
        day = self._care_date()
        self._runner.submit(
            lambda: services.query_adri(self._ctx, nir, birth, rank, day),
            self._on_adri_done,
            self._on_adri_failed,
            label="ADRi",
        )

    def by_apcv(self, text: str) -> None:
        """The patient's ApCV code: a session opened with the service (network)."""
        from client.apcv import open_session

        day = self._care_date()
        self._runner.submit(
            lambda: open_session(self._ctx, text, day),
            self._patients().show_apcv,
            lambda exc: self._patients().apcv_entry.say(message_for(exc), error=True),
            label="ApCV",
        )

    def _on_adri_done(self, patient: services.AdriPatient) -> None:
        self._patients().show_adri(patient)

    def _on_adri_failed(self, exc: BaseException) -> None:
        self._patients().search_hint.setText("ADRi : " + message_for(exc))
