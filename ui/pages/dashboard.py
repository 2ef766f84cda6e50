"""Tableau de bord: télétransmission rate, fees billed and received per month, amounts
waiting, rejects, days since the last transmission, alerts — with charts."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import TYPE_CHECKING

from client.alerts import Alert, is_summed
from client.labels import mode_label
from client.usecases import views
from ui.errors import message_for
from ui.fmt import count_fr, euros
from ui.pages.base import Page, hint
from ui.pages.recette import RecetteView
from ui.qt import (
    QColor,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    Qt,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from ui.translation import QT_TRANSLATE_NOOP, tr
from ui.widgets.charts import BarChart

if TYPE_CHECKING:
    from ui.pages.base import PageHost

logger = logging.getLogger(__name__)

LEVEL_COLORS = {"urgent": "#b3261e", "attention": "#b06000", "info": "#1f3b57"}


class Tile(QFrame):
    """One figure with its caption."""

    def __init__(self, caption: str, name: str) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("QFrame { background: #f4f7fa; border-radius: 6px; }")
        layout = QGridLayout(self)
        self.title = title = QLabel(caption)
        title.setProperty("role", "hint")
        title.setWordWrap(True)
        self.value = QLabel("—")
        self.value.setObjectName(name)
        self.value.setStyleSheet("font-size: 20px; font-weight: 600; color: #1f3b57;")
        layout.addWidget(title, 0, 0)
        layout.addWidget(self.value, 1, 0)


class DashboardPage(Page):
    """Refreshed each time it is shown."""

    title = QT_TRANSLATE_NOOP("", "Tableau de bord")

    def __init__(self, window: PageHost) -> None:
        super().__init__(window)
        # Two tabs: the figures of the last months, and the recette of chosen dates.
        self.tabs = QTabWidget()
        self.tabs.setObjectName("dashboardTabs")
        overview = QWidget()
        body = QVBoxLayout(overview)
        body.setContentsMargins(0, 8, 0, 0)
        tiles = QHBoxLayout()
        self.rate = Tile(tr("Taux de télétransmission (hors dégradé)"), "dashRate")
        self.waiting = Tile(tr("Montants en attente de paiement"), "dashWaiting")
        self.rejects = Tile(tr("Rejets et refus"), "dashRejects")
        self.days = Tile(tr("Jours depuis la dernière transmission"), "dashDays")
        self.unpaid = Tile(tr("Non payés (paiements partiels et rejets à clore)"), "dashUnpaid")
        for tile in (self.rate, self.waiting, self.unpaid, self.rejects, self.days):
            tiles.addWidget(tile)
        body.addLayout(tiles)
        self.modes = hint("")  # the share of FSE by securing mode, ApCV included
        self.modes.setObjectName("dashModes")
        body.addWidget(self.modes)
        charts = QHBoxLayout()
        self.money_chart = BarChart(
            tr("Parts AMO + AMC facturées et paiements reçus des caisses (euros)"),
            [
                tr("Facturé : FSE par mois des soins"),
                tr("Reçu : paiements des caisses par mois de paiement"),
            ],
            axis=tr("euros"),
        )
        self.money_chart.setObjectName("moneyChart")
        self.rejects_chart = BarChart(
            tr("Rejets et refus par mois des soins"),
            [tr("FSE rejetées ou refusées")],
            money=False,
            axis=tr("nombre de FSE"),
        )
        self.rejects_chart.setObjectName("rejectsChart")
        money_box = QVBoxLayout()
        money_box.addWidget(self.money_chart, 1)
        # Why a month can receive more than it billed: the two series count different months.
        self.money_note = hint(
            tr(
                "Un mois peut recevoir plus qu'il n'a facturé : les caisses y paient aussi "
                "des soins des mois précédents."
            )
        )
        self.money_note.setObjectName("moneyNote")
        money_box.addWidget(self.money_note)
        charts.addLayout(money_box, 3)
        charts.addWidget(self.rejects_chart, 2)
        body.addLayout(charts, 2)
        alerts_title = QLabel(tr("Alertes"))
        alerts_title.setStyleSheet("font-weight: 600;")
        body.addWidget(alerts_title)
        self.alerts = QListWidget()
        self.alerts.setObjectName("alerts")
        self.alerts.setWordWrap(True)
        # Laid out at once (Qt's default): alerts that grow with the store are summed, so the
        # list stays short (issue #27). Laid out « Batched », as tried before, the list was
        # never laid out in the application (no scroll range: its last lines unreachable).
        # Many alerts of a kind are one alert counting them (issue #27); a double click
        # on it lists them one by one in its place.
        self.alerts.itemDoubleClicked.connect(self._expand)
        body.addWidget(self.alerts, 1)
        self.recette = RecetteView(self)
        self.tabs.addTab(overview, tr("Vue d'ensemble"))
        self.tabs.addTab(self.recette, tr("Recette"))
        self.tabs.currentChanged.connect(self._on_tab)
        self.layout_.addWidget(self.tabs, 1)
        self.view: views.DashboardView | None = None

    def activated(self) -> None:
        self.refresh()
        if self.tabs.currentWidget() is self.recette:
            self.recette.refresh()

    def _on_tab(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.recette:
            self.recette.refresh()

    def refresh(self) -> None:
        self.runner.submit(
            lambda: views.load_dashboard(self.ctx),
            self._on_loaded,
            self._on_load_failed,
            label="tableau de bord",
        )

    def _on_load_failed(self, exc: BaseException) -> None:
        self.alerts.clear()
        self.alerts.addItem("Tableau de bord indisponible : " + message_for(exc))

    def _on_loaded(self, view: views.DashboardView) -> None:
        self.view = view
        self.rate.value.setText(
            f"{view.vitale_rate} %".replace(".", ",") if view.vitale_rate is not None else "—"
        )
        self.waiting.value.setText(euros(view.waiting_amount))
        self.modes.setText(mode_shares_text(view.mode_shares))
        self.rejects.value.setText(count_fr(view.rejects))
        if view.months:  # the tile counts the charts' months, not every reject on record
            self.rejects.title.setText(
                tr("Rejets et refus, soins de {first} à {last}").format(
                    first=view.months[0], last=view.months[-1]
                )
            )
        self.unpaid.value.setText(
            tr("%1 non payés sur %2 FSE")
            .replace("%1", euros(view.unpaid_amount))
            .replace("%2", count_fr(view.unpaid_count))
        )
        self.days.value.setText(
            str(view.days_since_transmission)
            if view.days_since_transmission is not None
            else "jamais"
        )
        self.money_chart.set_data(view.months, list(zip(view.billed, view.received, strict=True)))
        self.rejects_chart.set_data(view.months, [[r] for r in view.rejects_by_month])
        self._show_alerts(view.alerts)

    def _expand(self, item: QListWidgetItem) -> None:
        alert = item.data(Qt.ItemDataRole.UserRole)
        if not isinstance(alert, Alert) or not is_summed(alert):
            return
        item.setText(tr("Liste en cours de lecture…") + " " + item.text())
        self.runner.submit(
            lambda: views.load_alert_details(self.ctx, alert.kind),
            lambda found: self._on_details(alert, found),
            self._on_load_failed,
            label="alertes",
        )

    def _on_details(self, summed: Alert, found: list[Alert]) -> None:
        """The summed alert's lines in its place, if the list still shows it. The list is
        filled again rather than items inserted: inserted amid a batched layout, the items
        were not laid out (a blank list)."""
        items = (self.alerts.item(row) for row in range(self.alerts.count()))
        alerts = [
            a for a in (i.data(Qt.ItemDataRole.UserRole) for i in items) if isinstance(a, Alert)
        ]
        keys = [a.key for a in alerts]
        if summed.key not in keys:
            return  # the page was loaded again meanwhile
        at = keys.index(summed.key)
        alerts[at : at + 1] = found
        self._show_alerts(alerts)

    def _show_alerts(self, alerts: list[Alert]) -> None:
        self.alerts.clear()
        if not alerts:
            self.alerts.addItem(tr("Aucune alerte."))
        for alert in alerts:
            self.alerts.addItem(alert_item(alert))


def alert_item(alert: Alert) -> QListWidgetItem:
    """An alert's line, in its level's colour; a summed one says it can be listed."""
    item = QListWidgetItem(f"{alert.message} — {alert.action}")
    if is_summed(alert):
        item.setToolTip(tr("Double-cliquez pour les lister ici, une ligne chacun."))
    item.setForeground(QColor(LEVEL_COLORS.get(alert.level.value, "#1f3b57")))
    item.setData(Qt.ItemDataRole.UserRole, alert)
    return item


def mode_shares_text(shares: dict[str, Decimal]) -> str:
    """« FSE par mode : Vitale 60 %, ApCV (appli carte Vitale) 25 %, … »."""
    if not shares:
        return ""
    parts = [
        f"{tr(mode_label(mode))} {str(share).replace('.', ',')} %" for mode, share in shares.items()
    ]
    return tr("FSE par mode de sécurisation : ") + ", ".join(parts)
