"""Tab on the billing page follows the way a patient is billed: date of care, patient,
act code, acts, overrun, care pathway, payment mode and means, then « Sécuriser »."""

from __future__ import annotations

from ui.qt import Qt


def _tab_sequence(start, stop_after: int):  # type: ignore[no-untyped-def]
    """The widgets Tab reaches from ``start`` (focusable by Tab only), in order."""
    seen = [start]
    widget = start
    while len(seen) < stop_after:
        widget = widget.nextInFocusChain()
        if widget is start:
            break
        tabbable = widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.focusProxy() is None
        if tabbable and widget not in seen:
            seen.append(widget)
    return seen


def test_billing_tab_order_follows_the_billing(window) -> None:  # type: ignore[no-untyped-def]
    page = window.billing_page
    patient, invoice = page.patient_panel, page.invoice_panel
    expected = [
        patient.date_edit,
        patient.beneficiaries,
        invoice.code_edit,
        invoice.table,
        invoice.overrun_kind,
        invoice.overrun_amount,
        invoice.pathway,
        invoice.treating,
        invoice.payment_mode,
        invoice.payment_means,
        invoice.secure_button,
    ]
    # A QDateEdit / QDoubleSpinBox / editable combo keeps its line edit as a child: skip
    # inner children by comparing only the widgets we name.
    chain = []
    widget = patient.date_edit
    for _ in range(400):
        if widget in expected and widget not in chain:
            chain.append(widget)
        if len(chain) == len(expected):
            break
        widget = widget.nextInFocusChain()
    names = [w.objectName() for w in chain]
    assert names == [w.objectName() for w in expected]
    # Between two steps of the path, nothing else takes the focus.
    sequence = _tab_sequence(patient.date_edit, 40)
    indexes = [sequence.index(w) for w in expected]
    assert indexes == list(range(len(expected))), [w.objectName() for w in sequence]
