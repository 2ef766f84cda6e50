"""The application carte Vitale (ApCV) at the desk: the patient's code read (``code``),
a session opened with the ApCV service (``session``, ``service``), its refusals in French
(``errors``). The format is this project's own: ``docs/formats/apcv.md``."""

from client.apcv.code import ApcvCode, decode_image, read_code
from client.apcv.errors import WAY_OUT, ApcvError, ApcvFault
from client.apcv.session import (
    ApcvBeneficiary,
    ApcvSession,
    SessionSigner,
    check_session_for,
    open_session,
)

__all__ = [
    "WAY_OUT",
    "ApcvBeneficiary",
    "ApcvCode",
    "ApcvError",
    "ApcvFault",
    "ApcvSession",
    "SessionSigner",
    "check_session_for",
    "decode_image",
    "open_session",
    "read_code",
]
