"""The PJ service as the commands use it: the store, the data directory and ``scor.json``.
Apart from ``client.cli.scor`` so that ``client.cli.fse`` reaches it without an import circle
(``sesam scor lots`` opens the CPS with ``client.cli.card_work.with_cards``)."""

from __future__ import annotations

from client.config import data_dir
from client.scor.config import load_scor_config
from client.scor.pj import PjService
from client.store import Store


def pj_service(store: Store) -> PjService:
    """The PJ service on ``store`` with the settings of ``scor.json`` (also ``sesam lot
    close`` and ``sesam fse show``)."""
    from billing.scor_rules import french_working_day

    config = load_scor_config()
    return PjService(
        store,
        data_dir(),
        settings=config.settings,
        is_working_day=french_working_day(config.holiday_subdivision),
    )
