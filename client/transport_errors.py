"""The transport's errors, each saying whether trying again may work (``retryable``), and
how they read in French (registered with :mod:`client.messages` on import).
:mod:`client.transport` raises them and re-exports them."""

from __future__ import annotations

from pathlib import Path

from client.errors import ClientError
from client.messages import register as register_message


class TransportError(ClientError):
    """Base of the transport errors; ``retryable`` says whether trying again may work."""

    retryable: bool = False

    def __init__(self, kind: str, detail: str = "", status: int | None = None) -> None:
        super().__init__(f"Échec de communication avec le concentrateur ({kind}) : {detail}")
        self.kind = kind
        self.detail = detail
        self.status = status


class ServerUnavailableError(TransportError):
    """Refused, timed out, dropped, 5xx: the server is not there right now (retry later).

    ``kind``: ``refused``, ``timeout``, ``dropped``, ``network``, ``http``.
    """

    retryable = True

    def __init__(
        self,
        kind: str,
        detail: str = "",
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(kind, detail, status)
        self.retry_after = retry_after


class MalformedAnswerError(TransportError):
    """The server answered something unreadable (garbage, truncated): retry later."""

    retryable = True


class ServerRejectedError(TransportError):
    """The server refused the request (4xx): retrying the same request will not help."""

    retryable = False


class AuthenticationError(ServerRejectedError):
    """TLS failed on certificates: the server is not the pinned one, or refuses ours.

    ``cause``: ``server_expired``, ``server_not_yet_valid`` (the server's certificate),
    ``client_expired``, ``client_refused`` (the server refuses ours), ``untrusted`` (the
    server's certificate is not the pinned CA's, or not for this host).
    """

    def __init__(self, kind: str, detail: str = "", cause: str = "untrusted") -> None:
        super().__init__(kind, detail)
        self.cause = cause


class TlsFailureError(ServerUnavailableError):
    """The TLS negotiation failed for a reason other than certificates: the network works,
    something at that address does not speak TLS (plain HTTP on the HTTPS port, a
    middlebox). Retried with backoff: a middlebox may go away."""

    def __init__(self, detail: str, plain: bool) -> None:
        super().__init__("tls", detail)
        self.plain = plain


class TransportConfigError(TransportError):
    """The workstation's certificate, key or pinned CA file is missing or unusable."""

    retryable = False

    def __init__(self, path: Path | None, detail: str) -> None:
        super().__init__("configuration", detail)
        self.path = path


# --- French wording (client.messages) ---------------------------------------------------

_UNAVAILABLE = {
    "refused": "Le serveur de télétransmission est injoignable (connexion refusée).",
    "timeout": "Le serveur de télétransmission ne répond pas (délai dépassé).",
    "dropped": "La connexion au serveur de télétransmission a été coupée pendant l'échange.",
    "network": "Le réseau est inaccessible : vérifiez la connexion Internet du poste.",
}


def _seconds(value: float) -> str:
    whole = max(1, round(value))
    return f"{whole} s" if whole < 120 else f"{round(whole / 60)} min"


def _describe_unavailable(exc: BaseException) -> str:
    assert isinstance(exc, ServerUnavailableError)  # noqa: S101 - registered for this type
    wait = (
        f" Il demande d'attendre {_seconds(exc.retry_after)} avant de réessayer."
        if exc.retry_after is not None
        else ""
    )
    if exc.kind == "http" and exc.status == 429:
        return (
            "Le serveur de télétransmission est surchargé : il limite le nombre de demandes "
            f"(erreur 429, trop de demandes).{wait}"
        )
    if exc.kind == "http":
        return (
            "Le serveur de télétransmission est en panne ou en maintenance "
            f"(erreur {exc.status}).{wait}"
        )
    if exc.kind == "deadline":
        return (
            "Le serveur de télétransmission répond trop lentement : la réponse n'était pas "
            f"complète dans le délai total ({exc.detail}, réglage answer_deadline)."
        )
    return _UNAVAILABLE.get(exc.kind, "Le serveur de télétransmission est indisponible.")


def _describe_tls(exc: BaseException) -> str:
    assert isinstance(exc, TlsFailureError)  # noqa: S101 - registered for this type
    why = (
        "à cette adresse, le serveur ne parle pas TLS (un serveur HTTP non chiffré ou un "
        "équipement réseau intermédiaire répond sur le port HTTPS)"
        if exc.plain
        else f"la négociation TLS a échoué ({exc.detail})"
    )
    return (
        f"Connexion sécurisée (TLS) impossible avec le serveur de télétransmission : {why}. "
        "Le réseau fonctionne ; vérifiez l'adresse du serveur (server_url dans settings.json) "
        "ou contactez votre concentrateur."
    )


_AUTHENTICATION = {
    "server_expired": (
        "Connexion sécurisée refusée : le certificat du serveur de télétransmission a expiré. "
        "C'est au concentrateur de le renouveler : contactez-le. Les lots restent en attente."
    ),
    "server_not_yet_valid": (
        "Connexion sécurisée refusée : le certificat du serveur de télétransmission n'est pas "
        "encore valide. Vérifiez la date et l'heure de ce poste."
    ),
    "client_expired": (
        "Connexion sécurisée refusée par le serveur : le certificat de ce poste a expiré. "
        "Renouvelez-le et indiquez les nouveaux fichiers (client_cert, client_key) dans les "
        "réglages (settings.json)."
    ),
    "client_refused": (
        "Connexion sécurisée refusée par le serveur : le certificat de ce poste n'est pas "
        "accepté. Vérifiez les certificats dans les réglages (settings.json)."
    ),
}


register_message(TransportError, lambda e: f"Échec de la télétransmission : {e}")
register_message(
    ServerRejectedError,
    lambda e: (
        "Le concentrateur a refusé la demande "
        f"({getattr(e, 'detail', '')}). L'élément est mis de côté : corrigez puis relancez-le."
    ),
)
register_message(
    AuthenticationError,
    lambda e: _AUTHENTICATION.get(
        getattr(e, "cause", ""),
        "Connexion sécurisée refusée : le certificat du serveur n'est pas celui attendu "
        f"({getattr(e, 'detail', '')}). Vérifiez les certificats dans les réglages "
        "(settings.json).",
    ),
)
register_message(
    TransportConfigError,
    lambda e: (
        f"Réglages de télétransmission incomplets : {getattr(e, 'detail', '')}. "
        "Renseignez server_url, client_cert, client_key et ca_cert dans settings.json."
    ),
)
register_message(
    MalformedAnswerError,
    lambda e: (
        "Le serveur de télétransmission a renvoyé une réponse illisible. Nouvel essai "
        "automatique ; si cela persiste, contactez votre concentrateur."
    ),
)
register_message(ServerUnavailableError, _describe_unavailable)
register_message(TlsFailureError, _describe_tls)
