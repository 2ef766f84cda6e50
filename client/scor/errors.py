"""Errors of the SCOR work (scan, normalisation, PJ). Their ``str()`` is French and says
what to do, as for every ``client`` error."""

from __future__ import annotations

from client.errors import ClientError


class ScorError(ClientError):
    """Base for SCOR errors."""


class ScannerError(ScorError):
    """The scanner could not be used; ``detail`` is what SANE said (for the log)."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


class UnreadableInputError(ScorError):
    """The input is neither an image nor a PDF, or cannot be decoded."""

    def __init__(self, source: str) -> None:
        super().__init__(
            f"Le fichier « {source} » n'est ni une image ni un PDF lisible. Numérisez à nouveau "
            "la feuille de soins signée, ou importez une image (PNG, JPEG, TIFF) ou un PDF."
        )
        self.source = source


class BlankPageError(ScorError):
    """A page carries nothing readable (white, black or uniform)."""

    def __init__(self, page: int, reason: str) -> None:
        super().__init__(
            f"La page {page} est {reason} : rien n'y est lisible. Vérifiez que la feuille de "
            "soins signée est posée face contre la vitre, puis numérisez à nouveau."
        )
        self.page = page
        self.reason = reason


class LowResolutionError(ScorError):
    """A page's resolution is below what SCOR accepts."""

    def __init__(self, page: int, dpi: float, minimum: int) -> None:
        super().__init__(
            f"La page {page} est numérisée à {dpi:.0f} ppp : il faut au moins {minimum} ppp pour "
            f"une pièce justificative. Numérisez à nouveau à {minimum} ppp ou plus."
        )
        self.page = page
        self.dpi = dpi
        self.minimum = minimum


class TooManyPagesError(ScorError):
    """The input has more pages than one feuille de soins can have."""

    def __init__(self, pages: int, maximum: int) -> None:
        super().__init__(
            f"Le document a {pages} pages ; une pièce justificative en compte au plus {maximum}. "
            "Importez seulement la feuille de soins signée."
        )
        self.pages = pages
        self.maximum = maximum


class PjNotFoundError(ScorError):
    """No PJ (or no FSE) with this number."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} introuvable. Vérifiez le numéro (sesam scor status).")
        self.what = what


class PjStateError(ScorError):
    """The PJ cannot do what was asked in its current state."""

    def __init__(self, message: str, status: str) -> None:
        super().__init__(message)
        self.status = status
