"""``sesam audit verify`` checks the AMC's payments (issue #23): each one the simulated AMC
(real HTTPS) paid or rejected is journaled when recorded, and an edit of one afterwards —
a paid amount raised, a payment removed — is named as a disagreement of the books."""

from __future__ import annotations

from pathlib import Path

from test_amc_remainders import _short_and_rejected

from billing.audit import Breach
from client.store import Store


def test_an_edit_of_an_amc_payment_is_named_by_the_audit(store: Store, tmp_path: Path) -> None:
    _, short, rejected = _short_and_rejected(store, tmp_path)
    assert store.audit_verify().breach is None
    by_fse = {p.fse_uuid: p for p in store.amc_lots.payments()}
    with store.write():  # paid in full, says the edited row
        store.db.execute(
            "UPDATE amc_payments SET paid_amc = billed_amc WHERE fse_uuid = ?", [short.fse_uuid]
        )
    report = store.audit_verify()
    assert report.breach is Breach.BOOKS
    assert f"paiement de la complémentaire n° {by_fse[short.fse_uuid].id}" in report.detail
    assert "AMC payé" in report.detail
    with store.write():  # the rejection removed
        store.db.execute("DELETE FROM amc_payments WHERE fse_uuid = ?", [rejected.fse_uuid])
    assert "supprimé du registre" in store.audit_verify().detail
