"""French sentences for the errors of every layer: what happened and what to do.

Shared by the command line and the desktop UI so that a user reads the same words
whichever he uses. Each package's errors carry data; the wording lives only here.
"""

from __future__ import annotations

from collections.abc import Callable

from billing.errors import BillingError
from cardio import errors as card
from cardio.backend import SignatureRefusedError, SituationsUnavailableError
from client.errors import ClientError

_Describer = Callable[[BaseException], str]


def _pin(exc: BaseException) -> str:
    left = getattr(exc, "attempts_remaining", 0)
    if isinstance(exc, card.PinBlockedError) or left == 0:
        return (
            "Carte CPS bloquée : trois codes porteur faux ont été saisis. "
            "Débloquez-la avec le code de déblocage (PUK) ou demandez une nouvelle carte à l'ANS."
        )
    essais = "essai" if left == 1 else "essais"
    return f"Code porteur incorrect. Il reste {left} {essais} avant le blocage de la carte."


def _puk(exc: BaseException) -> str:
    left = getattr(exc, "attempts_remaining", 0)
    if isinstance(exc, card.PukBlockedError) or left == 0:
        return (
            "Code de déblocage (PUK) bloqué : la carte CPS ne peut plus être débloquée. "
            "Demandez une nouvelle carte à l'ANS."
        )
    essais = "essai" if left == 1 else "essais"
    return f"Code de déblocage (PUK) incorrect. Il reste {left} {essais}."


_MESSAGES: list[tuple[type[BaseException], _Describer]] = [
    (card.PinError, _pin),
    (card.PukError, _puk),
    (
        card.UnblockNotSupportedError,
        lambda e: (
            "Le déblocage de la carte CPS avec le code PUK n'est pas pris en charge par ce "
            "module PKCS#11. Choisissez l'accès direct à la carte (APDU) dans les réglages de "
            "la carte, ou utilisez l'outil de l'ANS."
        ),
    ),
    (
        card.PinFormatError,
        lambda e: (
            "Le code de déblocage (PUK) doit comporter exactement 8 chiffres. "
            "Aucun essai n'a été décompté."
            if "PUK" in str(e)
            else "Le code porteur doit comporter exactement 4 chiffres. "
            "Aucun essai n'a été décompté."
        ),
    ),
    (
        card.ReaderUnavailableError,
        lambda e: (
            "Aucun lecteur de cartes n'est accessible. Vérifiez que le lecteur est branché "
            "et que le service de cartes à puce (pcscd) est démarré."
        ),
    ),
    (
        card.CardRemovedError,
        lambda e: (
            "La carte a été retirée pendant la lecture. Réinsérez-la et recommencez : "
            "rien de ce qui était en cours n'a été gardé."
        ),
    ),
    (
        card.NoCardError,
        lambda e: "Aucune carte dans le lecteur. Insérez la carte et recommencez.",
    ),
    (
        card.UnknownCardError,
        lambda e: (
            "Carte non reconnue : ce n'est ni une carte Vitale ni une carte CPS. "
            "Vérifiez le sens d'insertion."
        ),
    ),
    (
        card.MalformedResponseError,
        lambda e: (
            "La carte a renvoyé des données illisibles. Elle est peut-être abîmée : "
            "réessayez, puis facturez en mode dégradé si le problème persiste."
        ),
    ),
    (
        card.SecurityStatusError,
        lambda e: "La carte CPS demande le code porteur avant de signer. Saisissez-le.",
    ),
    (
        SignatureRefusedError,
        lambda e: (
            "Le module PKCS#11 de la carte CPS refuse de signer avec la clé de signature. "
            "Vérifiez le module choisi dans les réglages de la carte (carte-cps.json) : le "
            "module de l'ANS (Cryptolib CPS) ou une version d'OpenSC qui sait signer avec "
            "cette carte."
        ),
    ),
    (
        SituationsUnavailableError,
        lambda e: (
            "La carte CPS ne donne pas de situation d'exercice lisible par ce logiciel "
            "(accès par PKCS#11). Renseignez vos situations d'exercice (numéro de "
            "facturation, spécialité, secteur) dans les réglages de la carte (carte-cps.json)."
        ),
    ),
    (
        card.NotAllowedError,
        lambda e: (
            "Cette carte n'est pas habilitée à signer (carte de personnel d'établissement, "
            "CPE). La signature doit être faite avec la carte CPS du praticien."
        ),
    ),
    (
        card.CardOperationCancelled,
        lambda e: "Opération annulée.",
    ),
    (
        card.CardCommunicationError,
        lambda e: (
            "La communication avec la carte a échoué. Retirez et réinsérez la carte, "
            "puis recommencez."
        ),
    ),
    (
        card.ApplicationNotFoundError,
        lambda e: (
            "La carte ne contient pas l'application attendue. Vérifiez qu'il s'agit de la "
            "bonne carte."
        ),
    ),
    (
        card.CardFileNotFoundError,
        lambda e: (
            "La carte ne contient pas les données demandées (une carte CPE, par exemple, "
            "n'a pas de certificat de signature). Vérifiez qu'il s'agit de la bonne carte."
        ),
    ),
    (
        card.ApduError,
        lambda e: (
            "La carte a refusé l'opération. Retirez et réinsérez la carte, puis "
            "recommencez ; si cela se reproduit, la carte est peut-être abîmée."
        ),
    ),
    (card.CardError, lambda e: "Erreur de lecture de la carte. Retirez et réinsérez la carte."),
]


def register(kind: type[BaseException], describer: _Describer) -> None:
    """Add the wording for an error type; more specific types must be registered first."""
    _MESSAGES.insert(0, (kind, describer))


def describe(exc: BaseException) -> str | None:
    """The French sentence for a package error, or None for an unexpected exception."""
    for kind, describer in _MESSAGES:
        if isinstance(exc, kind):
            return describer(exc)
    if isinstance(exc, BillingError | ClientError):
        # Package errors without a dedicated wording carry their own French text.
        return str(exc)
    return None
