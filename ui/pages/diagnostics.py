"""Diagnostic: pcscd, readers and ATRs, last card errors, server, versions; support bundle."""

from __future__ import annotations

import datetime as dt
import json
import logging
import platform
import sys
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ui.card_watch import ReaderView
from ui.errors import message_for
from ui.pages.base import Page, hint
from ui.qt import (
    QFileDialog,
    QHBoxLayout,
    QKeySequence,
    QPlainTextEdit,
    QPushButton,
    qVersion,
)
from ui.translation import QT_TRANSLATE_NOOP, tr

if TYPE_CHECKING:
    from client.context import AppContext
    from ui.pages.base import PageHost

logger = logging.getLogger(__name__)


def versions() -> dict[str, str]:
    """Versions of the parts that matter for support."""
    from importlib import metadata

    found = {"python": sys.version.split()[0], "qt": qVersion(), "os": platform.platform()}
    for dist in ("sesam-client", "PySide6-Essentials", "pyscard", "cryptography", "sqlite-utils"):
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = "non installé"
    return found


def probe_pcscd(ctx: AppContext) -> str:
    """On the card thread: can we list readers through pcscd?"""
    if ctx.backend is None:
        return "pas de module PC/SC"
    try:
        readers = ctx.backend.list_readers()
    except Exception as exc:  # noqa: BLE001 - diagnostics report every failure as text
        return f"injoignable ({type(exc).__name__})"
    return f"joignable, {len(readers)} lecteur{'s' if len(readers) != 1 else ''}"


def probe_server(ctx: AppContext) -> str:
    """On a worker thread: is the concentrator reachable with our certificates?"""
    settings = getattr(ctx, "settings", None)
    if settings is None:
        return "non configuré"
    try:
        answered = ctx.transport.ping()
    except Exception as exc:  # noqa: BLE001 - diagnostics report every failure as text
        return f"{settings.server_url} injoignable : " + message_for(exc)
    return f"{settings.server_url} joignable (heure du serveur {answered:%d/%m/%Y %H:%M})"


def collect(ctx: AppContext, readers: tuple[ReaderView, ...]) -> dict[str, Any]:
    """Everything support needs, and nothing about patients (no NIR, no name, no amount).

    JSON (written as ``diagnostic.json``), hence ``Any``: no layer reads it back."""
    settings = getattr(ctx, "settings", None)
    settings_view = {}
    for key in (
        "server_url",
        "concentrator_url",
        "deadline_days",
        "lot_max_fse",
        "lot_max_age_hours",
    ):
        if hasattr(settings, key):
            settings_view[key] = str(getattr(settings, key))
    return {
        "generated_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "versions": versions(),
        "readers": [
            {
                "name": r.name,
                "card_present": r.card_present,
                "atr": r.atr.hex(" ").upper() if r.atr else None,
            }
            for r in readers
        ],
        "last_card_errors": list(getattr(ctx, "last_card_errors", [])),
        "settings": settings_view,
        "data_dir": str(getattr(ctx, "data_dir", "")),
    }


def write_bundle(ctx: AppContext, readers: tuple[ReaderView, ...], path: Path) -> Path:
    """A zip with the diagnostics and versions; no database, no scans, no patient data."""
    info = collect(ctx, readers)
    info["pcscd"] = probe_pcscd_via_card_thread(ctx)
    info["server"] = probe_server(ctx)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("diagnostic.json", json.dumps(info, indent=2, ensure_ascii=False))
        bundle.writestr("LISEZMOI.txt", "Dossier de support : aucune donnée patient.\n")
    return path


def probe_pcscd_via_card_thread(ctx: AppContext) -> str:
    return str(ctx.run_on_card(probe_pcscd, ctx).result(timeout=10))


class DiagnosticsPage(Page):
    """What support asks first, on one page; refreshed on demand (F5)."""

    title = QT_TRANSLATE_NOOP("", "Diagnostic")

    def __init__(self, window: PageHost) -> None:
        super().__init__(window)
        self.layout_.addWidget(
            hint(
                tr(
                    "État du poste : service de cartes, lecteurs, dernières erreurs, serveur, "
                    "versions. Le dossier de support ne contient aucune donnée patient."
                )
            )
        )
        self.report = QPlainTextEdit()
        self.report.setObjectName("diagnosticReport")
        self.report.setReadOnly(True)
        self.layout_.addWidget(self.report, 1)
        row = QHBoxLayout()
        self.refresh_button = QPushButton(tr("Actualiser (F5)"))
        self.refresh_button.setObjectName("diagnosticRefresh")
        self.refresh_button.setShortcut(QKeySequence("F5"))
        self.refresh_button.clicked.connect(self.refresh)
        row.addWidget(self.refresh_button)
        self.export_button = QPushButton(tr("Exporter le dossier de support…"))
        self.export_button.setObjectName("supportExport")
        self.export_button.clicked.connect(self._on_export)
        row.addWidget(self.export_button)
        self.restore_button = QPushButton(tr("Restaurer une sauvegarde…"))
        self.restore_button.setObjectName("diagnosticRestore")
        self.restore_button.clicked.connect(lambda: self.main.open_restore_dialog())
        row.addWidget(self.restore_button)
        row.addStretch(1)
        self.layout_.addLayout(row)
        self.pcscd_state = "…"
        self.server_state = "…"
        self.last_bundle: Path | None = None

    def activated(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        self._render()
        self.runner.submit(
            lambda: probe_pcscd(self.ctx),
            self._on_pcscd,
            executor=self.ctx.card_thread,
            label="diagnostic pcscd",
        )
        self.runner.submit(
            lambda: probe_server(self.ctx), self._on_server, label="diagnostic serveur"
        )

    def _on_pcscd(self, text: str) -> None:
        self.pcscd_state = text
        self._render()

    def _on_server(self, text: str) -> None:
        self.server_state = text
        self._render()

    def _render(self) -> None:
        info = collect(self.ctx, self.main.watcher.readers)
        lines = [f"Service de cartes (pcscd) : {self.pcscd_state}", "", "Lecteurs :"]
        damage = getattr(self.main, "store_damage", None)
        if damage:
            lines = [
                "BASE DE DONNÉES ENDOMMAGÉE : " + damage,
                "→ « Restaurer une sauvegarde… » ci-dessous.",
                "",
                *lines,
            ]
        for reader in info["readers"]:
            atr = reader["atr"] or "pas de carte"
            lines.append(f"  • {reader['name']} — {atr}")
        if not info["readers"]:
            lines.append("  aucun")
        lines += ["", "Dernières erreurs de carte :"]
        lines += [f"  {e}" for e in info["last_card_errors"]] or ["  aucune"]
        lines += ["", "Tâches de fond arrêtées sur une erreur :"]
        failures = getattr(self.main, "worker_failures", None)
        lines += [f"  {t}" for t in (failures.lines() if failures else [])] or ["  aucune"]
        lines += ["", f"Serveur de télétransmission : {self.server_state}", "", "Versions :"]
        lines += [f"  {k} : {v}" for k, v in info["versions"].items()]
        lines += ["", f"Dossier des données : {info['data_dir']}"]
        self.report.setPlainText("\n".join(lines))

    def render_failures(self) -> None:
        """A background worker stopped: list it now, without probing cards and server."""
        self._render()

    def _on_export(self) -> None:
        default = str(Path.home() / f"support-sesam-{dt.date.today():%Y%m%d}.zip")
        path, _ = QFileDialog.getSaveFileName(
            self, tr("Dossier de support"), default, "Zip (*.zip)"
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        readers = self.main.watcher.readers
        self.runner.submit(
            lambda: write_bundle(self.ctx, readers, path),
            self._on_exported,
            self._on_failed,
            label="dossier de support",
        )

    def _on_exported(self, path: Path) -> None:
        self.last_bundle = path
        self.main.status.showMessage(f"Dossier de support enregistré : {path}", 8000)
