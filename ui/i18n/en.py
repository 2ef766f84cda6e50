"""English translations of the interface (French is the source language).

Source of ``sesam_en.ts``: run ``python ui/i18n/en.py`` after ``pyside6-lupdate`` to fill
the translations in, then ``pyside6-lrelease`` (see ``docs/ui.md``). Kept as a Python dict so
that a reviewer reads French and English side by side.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

# French and English side by side read better than the formatter's layout.
# fmt: off
EN = {
    "Code porteur de la carte CPS": "CPS card PIN",
    "Saisissez le code porteur de la carte insérée dans « %1 ».":
        "Type the PIN of the card inserted in “%1”.",
    "Code porteur": "PIN",
    "Valider": "OK",
    "Annuler": "Cancel",
    "Une erreur inattendue s'est produite. L'opération n'a pas été faite. Réessayez ; si "
    "cela se reproduit, exportez le dossier de support (page Diagnostic) et transmettez-le.":
        "An unexpected error occurred. Nothing was done. Try again; if it happens again, "
        "export the support bundle (Diagnostics page) and send it.",
    "Facturation SESAM-Vitale": "SESAM-Vitale billing",
    "Patient et facturation": "Patient and billing",
    "File d'attente": "Queue",
    "Tableau de bord": "Dashboard",
    "SCOR": "SCOR",
    "Réglages": "Settings",
    "Diagnostic": "Diagnostics",
    "Carte": "Card",
    "Taux de télétransmission (hors dégradé)": "Teletransmission rate (degraded mode excluded)",
    "Montants en attente de paiement": "Amounts awaiting payment",
    "Rejets et refus": "Rejects and refusals",
    "Jours depuis la dernière transmission": "Days since the last transmission",
    "Facturé (AMO + AMC, mois des soins) et reçu (mois du paiement)":
        "Billed (AMO + AMC, month of care) and received (month of payment)",
    "Rapprocher… (Alt+R)": "Match… (Alt+R)",
    "Rapprocher à la main le paiement choisi d'une FSE acceptée (ARL positif)":
        "Match the chosen payment by hand with an accepted FSE (positive ARL)",
    "Choisissez d'abord le paiement dans l'onglet Paiements non rapprochés.":
        "First choose the payment in the Unmatched payments tab.",
    "Rapprocher un paiement": "Match a payment",
    "Imprimer le duplicata": "Print the duplicate",
    "Facturé": "Billed",
    "Reçu": "Received",
    "Rejets par mois": "Rejects per month",
    "Rejets": "Rejects",
    "Alertes": "Alerts",
    "Aucune alerte.": "No alert.",
    "État du poste : service de cartes, lecteurs, dernières erreurs, serveur, versions. Le "
    "dossier de support ne contient aucune donnée patient.":
        "Workstation state: smart card service, readers, last errors, server, versions. The "
        "support bundle contains no patient data.",
    "Actualiser (F5)": "Refresh (F5)",
    "Exporter le dossier de support…": "Export the support bundle…",
    "Dossier de support": "Support bundle",
    "brouillon": "draft",
    "sécurisée, lot ouvert": "secured, lot open",
    "lot signé, à envoyer": "lot signed, to send",
    "envoyée, ARL attendu": "sent, ARL awaited",
    "acceptée (ARL positif)": "accepted (positive ARL)",
    "rectifiée (remplacée par sa FSE rectificative)": "rectified (replaced by its corrected FSE)",
    "refusée (ARL négatif)": "refused (negative ARL)",
    "payée": "paid",
    "rejetée": "rejected",
    "annulée": "cancelled",
    "ouvert": "open",
    "signé, à envoyer": "signed, to send",
    "envoyé, ARL attendu": "sent, ARL awaited",
    "accepté (ARL positif)": "accepted (positive ARL)",
    "refusé (ARL négatif) : à renvoyer": "refused (negative ARL): send again",
    "lot ouvert (pas encore signé)": "lot open (not signed yet)",
    "en attente d'envoi": "waiting to be sent",
    "envoi en cours": "sending",
    "envoyé": "sent",
    "en échec (action requise)": "failed (action needed)",
    "payée partiellement (montant différent)": "partly paid (amount differs)",
    "en attente": "waiting",
    "annulé": "voided",
    "Vitale": "Vitale",
    "sans Vitale": "without Vitale",
    "dégradé": "degraded",
    "ApCV (appli carte Vitale)": "ApCV (Vitale app)",
    "FSE par mode de sécurisation : ": "FSE by securing mode: ",
    "Téléconsultation": "Teleconsultation",
    "N°": "No.",
    "Date des soins": "Date of care",
    "Mode": "Mode",
    "État": "State",
    "Rapprochement": "Reconciliation",
    "AMO facturé": "AMO billed",
    "AMO payé": "AMO paid",
    "Motif / détail": "Reason / detail",
    "Lot": "Lot",
    "Type": "Type",
    "Caisse": "Fund",
    "FSE": "FSE",
    "Envoi": "Sending",
    "File d'attente et retours": "Queue and returns",
    "Envoyer maintenant (F9)": "Send now (F9)",
    "Annuler l'envoi (Échap)": "Cancel sending (Esc)",
    "Relever les retours (F10)": "Fetch returns (F10)",
    "Feuilles de soins": "Care sheets",
    "Lots": "Lots",
    "Paiements non rapprochés": "Unmatched payments",
    "Duplicata… (Ctrl+D)": "Duplicate… (Ctrl+D)",
    "Annuler la FSE (Suppr)": "Cancel the FSE (Del)",
    "Renvoyer le lot refusé": "Resend the refused lot",
    "Une FSE ne peut être annulée que tant qu'elle n'est pas partie. Un lot refusé (ARL "
    "négatif) est renvoyé tel quel après correction de la cause indiquée.":
        "An FSE can only be cancelled until it has left. A refused lot (negative ARL) is "
        "sent again as is once the stated cause is fixed.",
    "Signature des lots avec la carte CPS…": "Signing the lots with the CPS card…",
    "Réseau : envoi…": "Network: sending…",
    "Annulation demandée : l'envoi en cours se termine.":
        "Cancel requested: the transfer in progress finishes.",
    "Réseau : injoignable": "Network: unreachable",
    "Relève des retours de l'Assurance Maladie…": "Fetching the Assurance Maladie returns…",
    "Réseau : ok": "Network: ok",
    "Choisissez d'abord la FSE.": "Choose the FSE first.",
    "Duplicata": "Duplicate",
    "Annuler la FSE": "Cancel the FSE",
    "Choisissez le lot refusé dans l'onglet Lots.": "Choose the refused lot in the Lots tab.",
    "Déposez ici le fichier numérisé (PDF, TIFF, PNG, JPEG),\nou numérisez la feuille de "
    "soins signée.": "Drop the scanned file here (PDF, TIFF, PNG, JPEG),\nor scan the signed "
    "care sheet.",
    "Déposez ici le fichier numérisé, ou numérisez.": "Drop the scanned file here, or scan.",
    "SCOR — pièces justificatives": "SCOR — supporting documents",
    "FSE en dégradé qui attendent leur feuille signée :":
        "Degraded FSE waiting for their signed sheet:",
    "Pièces et leur suivi :": "Documents and their follow-up:",
    "Numériser (Ctrl+N)": "Scan (Ctrl+N)",
    "Importer un fichier… (Ctrl+O)": "Import a file… (Ctrl+O)",
    "Joindre à la FSE (Ctrl+Entrée)": "Attach to the FSE (Ctrl+Enter)",
    "La pièce part dans un lot PJ après le lot de sa FSE, à l'envoi suivant (page File "
    "d'attente, F9). Sans ARL PJ positif après 5 jours ouvrés, envoyez le duplicata papier "
    "à la caisse.": "The document leaves in a PJ lot after its FSE's lot, at the next "
    "sending (Queue page, F9). Without a positive PJ ARL after 5 working days, post the "
    "paper duplicate to the fund.",
    "Aucune pièce pour l'instant.": "No document yet.",
    "Numérisation…": "Scanning…",
    "Feuille de soins numérisée": "Scanned care sheet",
    "Délai de télétransmission (jours ouvrés)": "Transmission deadline (working days)",
    "Prévenir avant l'échéance (jours ouvrés)": "Warn before the deadline (working days)",
    "Alerte lot sans ARL après (jours)": "Alert for a lot without ARL after (days)",
    "Garantie de paiement (jours ouvrés)": "Payment guarantee (working days)",
    "Concentrateur de télétransmission": "Transmission concentrator",
    "Adresse :": "Address:",
    "Choisir le fichier": "Choose the file",
    "Délai de connexion :": "Connection timeout:",
    "Délais et alertes": "Deadlines and alerts",
    "Lecteurs de cartes": "Card readers",
    "Les lecteurs sont détectés automatiquement (PC/SC). Un lecteur bi-fente accepte la "
    "carte Vitale et la CPS dans l'une ou l'autre fente.": "Readers are detected "
    "automatically (PC/SC). A dual-slot reader takes the Vitale card and the CPS in either "
    "slot.",
    "Données": "Data",
    "Dossier des données :": "Data directory:",
    "Pour en changer, démarrez avec --data-dir ou la variable SESAM_DATA_DIR. Il contient "
    "des données de santé : accès réservé à l'utilisateur.": "To change it, start with "
    "--data-dir or the SESAM_DATA_DIR variable. It holds health data: user access only.",
    "Tarifs locaux :": "Local tariffs:",
    "Fichier CSV au format du référentiel (code;label;amount;…) : ses lignes priment sur "
    "le référentiel livré.": "CSV file in the referential's format (code;label;amount;…): "
    "its rows override the shipped referential.",
    "Enregistrer (Ctrl+Entrée)": "Save (Ctrl+Enter)",
    "Réglages par défaut.": "Default settings.",
    "Aucun lecteur détecté.": "No reader detected.",
    "Réglages enregistrés.": "Settings saved.",
    "carte Vitale": "Vitale card",
    "carte CPS/CPE": "CPS/CPE card",
    "carte non reconnue": "unknown card",
    "Lecteurs : recherche…": "Readers: searching…",
    "Aucun praticien": "No practitioner",
    "File : —": "Queue: —",
    "Réseau : —": "Network: —",
    "Lecteurs : indisponibles": "Readers: unavailable",
    "Aucun lecteur de cartes": "No card reader",
    "Branchez un lecteur, ou démarrez le service pcscd.":
        "Plug in a reader, or start the pcscd service.",
    "{what} (lecture…)": "{what} (reading…)",
    "vide": "empty",
    "Praticien : {name}": "Practitioner: {name}",
    "File : {n} en attente": "Queue: {n} waiting",
    ", {n} rejet(s)": ", {n} reject(s)",
    "Documents enregistrés : {names}.": "Documents saved: {names}.",
    "Imprimer la feuille de soins / duplicata…": "Print the care sheet / duplicate…",
    "Ctrl+P : imprimer la feuille de soins (ou le duplicata) de la FSE choisie":
        "Ctrl+P: print the care sheet (or the duplicate) of the chosen FSE",
    "Imprimer la feuille de soins": "Print the care sheet",
    "Quel document de la FSE n° {number} imprimer ?":
        "Which document of FSE no. {number} to print?",
    "La feuille de soins reprend la facture telle que sécurisée. Le duplicata remplace "
    "une FSE non transmise (deux échecs de télétransmission) et mentionne son motif.":
        "The care sheet shows the invoice as secured. The duplicate replaces an FSE that "
        "could not be transmitted (two failed transmissions) and states why.",
    "Imprimer": "Print",
    "Feuille de soins": "Care sheet",
    "Duplicata…": "Duplicate…",
    "Cabinet (en-tête des documents imprimés)": "Practice (letterhead of printed documents)",
    "ex. Cabinet médical des Tilleuls": "e.g. Cabinet médical des Tilleuls",
    "Nom du cabinet :": "Practice name:",
    "Rue\nCode postal et ville": "Street\nPostcode and town",
    "Téléphone :": "Phone:",
    "Imprimés sur les reçus, les feuilles de soins et les duplicata.":
        "Printed on receipts, care sheets and duplicates.",
    "Code": "Code",
    "Libellé": "Label",
    "Qté": "Qty",
    "Coef.": "Coef.",
    "Honoraires": "Fees",
    "Part AMO": "AMO share",
    "Règle": "Rule",
    "aucun": "none",
    "DE (exigence)": "DE (patient request)",
    "DA (autorisé)": "DA (authorised)",
    "DP (permanent)": "DP (permanent)",
    "ED (entente directe)": "ED (direct agreement)",
    "Exigence particulière du patient": "Particular request of the patient",
    "Dépassement autorisé plafonné": "Authorised capped overrun",
    "Dépassement permanent": "Permanent overrun",
    "Entente directe": "Direct agreement",
    "dans le parcours": "within the care pathway",
    "hors parcours": "outside the pathway",
    "accès direct": "direct access",
    "urgence": "emergency",
    "Code ou libellé de l'acte, puis Entrée (Ctrl+K)": "Act code or label, then Enter (Ctrl+K)",
    "Favoris :": "Favourites:",
    "Dépassement :": "Overrun:",
    "Parcours :": "Pathway:",
    "Médecin traitant": "Treating doctor",
    "Imprimer le reçu": "Print the receipt",
    "Mettre en attente (Ctrl+S)": "Keep for later (Ctrl+S)",
    "Sécuriser la FSE (Ctrl+Entrée)": "Secure the FSE (Ctrl+Enter)",
    "Choisissez le patient.": "Choose the patient.",
    "Ajoutez les actes.": "Add the acts.",
    "Corrigez les erreurs avant de sécuriser.": "Fix the errors before securing.",
    "Prête : le praticien la sécurisera avec sa carte CPS.":
        "Ready: the practitioner will secure it with his CPS card.",
    "Prête à sécuriser.": "Ready to secure.",
    "Sécurisation de la FSE…": "Securing the FSE…",
    "Facture enregistrée : elle attend le praticien.": "Invoice saved: it waits for the "
    "practitioner.",
    "Choisissez d'abord le patient dont il faut actualiser les droits.":
        "First choose the patient whose rights to refresh.",
    "Interrogation ADRi…": "Asking ADRi…",
    "assuré": "insured",
    "ascendant": "ascendant",
    "conjoint": "spouse",
    "conjoint divorcé": "divorced spouse",
    "concubin": "partner",
    "conjoint séparé": "separated spouse",
    "enfant": "child",
    "bénéficiaire hors article 313": "beneficiary (not article 313)",
    "veuf": "widow(er)",
    "autre ayant droit": "other dependant",
    "Date des soins :": "Date of care:",
    "Factures préparées à l'accueil, qui attendent la CPS":
        "Invoices prepared at the reception, waiting for the CPS",
    "Reprendre (Ctrl+E)": "Resume (Ctrl+E)",
    "Insérez la carte Vitale, ou cherchez le patient.":
        "Insert the Vitale card, or search for the patient.",
    "Actualiser les droits (ADRi)": "Refresh the rights (ADRi)",
    "Ctrl+R": "Ctrl+R",
    "Nom du patient ou NIR (Ctrl+F)": "Patient name or NIR (Ctrl+F)",
    "Mode dégradé": "Degraded mode",
    "Facturer sans carte Vitale : feuille de soins papier signée par le patient, puis "
    "numérisée (SCOR). Ctrl+Maj+D": "Bill without the Vitale card: paper care sheet signed "
    "by the patient, then scanned (SCOR). Ctrl+Shift+D",
    "Identifier par NIR (ADRi)… Ctrl+I": "Identify by NIR (ADRi)… Ctrl+I",
    "Carte Vitale retirée. Insérez une carte, ou cherchez le patient.":
        "Vitale card removed. Insert a card, or search for the patient.",
    "Identifier le patient par son NIR": "Identify the patient by his NIR",
    "13 ou 15 chiffres": "13 or 15 digits",
    "NIR de l'assuré :": "Insured person's NIR:",
    "Date de naissance :": "Date of birth:",
    "Rang de naissance :": "Birth rank:",
    "Mode dégradé choisi : la feuille de soins sera imprimée pour signature.":
        "Degraded mode chosen: the care sheet will be printed for signature.",
    "Pour le mode dégradé, cherchez d'abord le patient (nom ou NIR), puis choisissez-le.":
        "For the degraded mode, first search for the patient (name or NIR), then choose him.",
    "secteur 1": "sector 1",
    "secteur 1 DP": "sector 1 DP",
    "secteur 2": "sector 2",
    "libéral": "self-employed",
    "salarié": "employed",
    "remplaçant": "locum",
    "Situation d'exercice sous laquelle facturer": "Practice situation to bill under",
    "Aucune carte CPS : insérez la carte du praticien pour signer.":
        "No CPS card: insert the practitioner's card to sign.",
    # Every euro has a status: closing an unpaid remainder (issue #20).
    "Clore le reste dû…": "Close the unpaid remainder…",
    "FSE payée partiellement ou rejetée : perte acceptée ou réclamé à la caisse":
        "FSE partly paid or rejected: accepted loss or claimed from the caisse",
    "Clore le reste dû de la FSE n° %1": "Close the unpaid remainder of FSE no. %1",
    "Reste dû non payé par la caisse : %1": "Remainder not paid by the caisse: %1",
    "Perte acceptée : plus rien n'est attendu": "Accepted loss: nothing more is expected",
    "Réclamé à la caisse : reste visible comme réclamé, avec la date":
        "Claimed from the caisse: stays visible as claimed, with the date",
    "Commentaire (facultatif) :": "Comment (optional):",
    "ex. : courrier envoyé à la caisse le …": "e.g. letter sent to the caisse on …",
    "Clore le reste dû": "Close the remainder",
    "Non payés (paiements partiels et rejets à clore)":
        "Unpaid (partial payments and rejects to close)",
    "%1 non payés sur %2 FSE": "%1 unpaid on %2 FSE",
    # The patient's application carte Vitale, the AMC, the devis, the conventions (#21-#26).
    "Code ApCV : scannez le QR code du téléphone, ou collez":
        "ApCV code: scan the phone's QR code, or paste",
    "Application carte Vitale : le lecteur (QR code ou NFC) tape le code puis Entrée ; en "
    "téléconsultation, collez le code que le patient vous transmet.":
        "Carte Vitale app: the reader (QR code or NFC) types the code then Enter; in a "
        "teleconsultation, paste the code the patient sends you.",
    "Image…": "Image…",
    "Lire le QR code ApCV dans une photo ou une capture":
        "Read the ApCV QR code from a photo or a screenshot",
    "Ouverture de la session ApCV…": "Opening the ApCV session…",
    "Image du QR code ApCV": "Image of the ApCV QR code",
    "Images (*.png *.jpg *.jpeg *.bmp)": "Images (*.png *.jpg *.jpeg *.bmp)",
    "Caméra": "Camera",
    "Lire le QR code ApCV du téléphone présenté à la caméra":
        "Read the ApCV QR code of the phone held up to the camera",
    "Présentez le QR code du téléphone à la caméra…": "Hold the phone's QR code up to the camera…",
    "Aucun QR code ApCV vu par la caméra : recommencez, ou ouvrez une photo avec « Image… ».":
        "The camera saw no ApCV QR code: try again, or open a photo with “Image…”.",
    "Nouveau code ApCV :": "New ApCV code:",
    "Code ApCV du patient (vide : SESAM sans Vitale par ADRi)":
        "The patient's ApCV code (empty: SESAM without Vitale, by ADRi)",
    "AMC": "AMC",
    "tiers payant part complémentaire (AMC)": "third-party payment, complementary part (AMC)",
    "Parts AMO + AMC facturées et paiements reçus des caisses (euros)":
        "AMO + AMC parts billed and payments received from the funds (euros)",
    "Pas de tiers payant complémentaire : la complémentaire ne l'accepte pas.":
        "No complementary third-party payment: the complementary insurer does not accept it.",
    "gestion unique (la caisse paie les deux parts)":
        "single management (the fund pays both parts)",
    "gestion séparée (la complémentaire paie sa part elle-même)":
        "separate management (the complementary insurer pays its own part)",
    "Devis": "Quote",
    "Chiffrer ces actes en devis (parts AMO, AMC, patient)":
        "Price these acts as a quote (AMO, AMC and patient parts)",
    "Conventions avec les complémentaires (AMC)": "Agreements with complementary insurers (AMC)",
    "N° AMC": "AMC no.",
    "n° AMC": "AMC no.",
    "Nom": "Name",
    "nom": "name",
    "Convention": "Agreement",
    "convention": "agreement",
    "Tiers payant": "Third-party payment",
    "tiers payant": "third-party payment",
    "Enregistrer la convention": "Save the agreement",
    "Supprimer": "Delete",
    "oui": "yes",
    "non": "no",
    "Le n° AMC a 8 chiffres (carte Vitale, attestation).":
        "The AMC number has 8 digits (carte Vitale, certificate).",
    "Indiquez le nom de la complémentaire et sa convention.":
        "Give the complementary insurer's name and its agreement.",
    "Convention enregistrée.": "Agreement saved.",
    "Convention supprimée.": "Agreement deleted.",
    "consultations": "consultations",
    "actes techniques": "technical acts",
    "soins dentaires": "dental care",
    "prothèses dentaires": "dental prostheses",
    "pharmacie": "pharmacy",
    "biologie": "laboratory tests",
    "optique": "optics",
    "auxiliaires médicaux": "allied health professionals",
    "hospitalisation": "hospitalisation",
    "Factures préparées ou mises en attente": "Invoices prepared or put on hold",
    "{reason} : la facture de {name} ({codes}) est mise en attente sous son nom. Reprenez-la "
    "quand il revient, ou abandonnez-la.":
        "{reason}: the invoice of {name} ({codes}) is put on hold under his name. Resume it "
        "when he comes back, or abandon it.",
    "La facture n'a pas pu être mise en attente : {why}":
        "The invoice could not be put on hold: {why}",
    "Abandonner cette facture": "Abandon this invoice",
    # The cabinet: invoices prepared at the reception for the practitioner's card (#26).
    " (et %1 autre(s))": " (and %1 other(s))",
    "actes à compléter": "acts to complete",
    "%1 facture(s) préparée(s) pour vous à signer : la première par %2 le %3 à %4 (%5)%6. "
    "Ouvrez-la dans « Factures préparées ».":
        "%1 invoice(s) prepared for you to sign: the first one by %2 on %3 at %4 (%5)%6. "
        "Open it from “Prepared invoices”.",
    "la carte %1": "card %1",
    " — préparée par %1 le %2 à %3": " — prepared by %1 on %2 at %3",
    # An old store converted at opening (#27): its progress in the status bar.
    "Mise à jour de la base : {step} {percent} %": "Updating the database: {step} {percent} %",
    "Mise à jour de la base terminée.": "Database update finished.",
    "compression des documents": "compressing the documents",
    "compactage des données": "compacting the data",
    "compactage du journal": "compacting the journal",
    "conversion de l'historique des FSE": "converting the FSE history",
    "conversion des paiements": "converting the payments",
    "regroupement du journal": "regrouping the journal",
}
# fmt: on


def fill(ts: Path) -> tuple[int, list[str]]:
    """Write the English text of every known source into ``ts``; the sources left over."""
    tree = ET.parse(ts)  # noqa: S314 - our own .ts file, written by pyside6-lupdate
    missing = []
    done = 0
    for message in tree.iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        if translation is None:
            continue
        if source in EN:
            translation.text = EN[source]
            translation.attrib.pop("type", None)
            done += 1
        else:
            missing.append(source)
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    return done, missing


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("sesam_en.ts")
    count, left = fill(target)
    print(f"{count} translated, {len(left)} missing")
    for text in left:
        print("  missing:", text)
