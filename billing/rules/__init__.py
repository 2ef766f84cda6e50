"""The convention's rules, checked at the date of care before anything is signed.

Each check returns :class:`RuleError` values (code, act, French message); the codes are the
stable vocabulary of the ``sesam price`` contract.
"""

from __future__ import annotations

from billing.rules.checks import check_invoice
from billing.rules.codes import ErrorCode, ResolvedAct, RuleError
from billing.rules.pathway import is_out_of_pathway

__all__ = ["ErrorCode", "ResolvedAct", "RuleError", "check_invoice", "is_out_of_pathway"]
