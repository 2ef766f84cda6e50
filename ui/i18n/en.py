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
    # Added with issue #27's passes (store damage and restore, space to recover, dashboard,
    # FSE list, correction, new patient, PUK, takings, payment delay).
    "Le fichier de la base de données {path} est endommagé ({detail}) : n'y enregistrez plus "
    "rien, restaurez une sauvegarde.":
        "The database file {path} is damaged ({detail}): record nothing more in it, restore a "
        "backup.",
    "La base de données ne peut pas être utilisée : son fichier est endommagé (disque abîmé, "
    "coupure pendant une écriture…).\n\n{path}\n({detail})\n\nRestaurez une sauvegarde : la "
    "base endommagée sera mise de côté dans le dossier « sauvegardes », jamais effacée, et les "
    "numéros de FSE ne redescendront pas. D'ici là, n'enregistrez rien.":
        "The database cannot be used: its file is damaged (faulty disk, power cut during a "
        "write…).\n\n{path}\n({detail})\n\nRestore a backup: the damaged database will be put "
        "aside in the “sauvegardes” folder, never deleted, and the FSE numbers will not go "
        "back. Until then, record nothing.",
    "Base de données endommagée": "Damaged database",
    "Restaurer une sauvegarde…": "Restore a backup…",
    "Plus tard": "Later",
    "⚠ Base de données endommagée : restaurez une sauvegarde (Réglages ou Diagnostic).":
        "⚠ Damaged database: restore a backup (Settings or Diagnostics).",
    "Base restaurée à partir de {name}.": "Database restored from {name}.",
    "Place libre rendue au disque : {percent} %": "Free space given back to the disk: {percent} %",
    "Sauvegarde de la base en cours : {percent} %": "Database backup in progress: {percent} %",
    "Registre incomplet": "Incomplete register",
    "Place à récupérer sur le disque": "Disk space to recover",
    "⚠ {what} arrêtée (voir Diagnostic)": "⚠ {what} stopped (see Diagnostics)",
    "Facturé : FSE par mois des soins": "Billed: FSE by month of care",
    "Reçu : paiements des caisses par mois de paiement":
        "Received: payments from the funds by month of payment",
    "euros": "euros",
    "Rejets et refus par mois des soins": "Rejects and refusals by month of care",
    "FSE rejetées ou refusées": "Rejected or refused FSE",
    "nombre de FSE": "number of FSE",
    "Un mois peut recevoir plus qu'il n'a facturé : les caisses y paient aussi des soins des "
    "mois précédents.":
        "A month may receive more than it billed: the funds also pay care of previous months "
        "in it.",
    "Rejets et refus, soins de {first} à {last}":
        "Rejects and refusals, care from {first} to {last}",
    "Liste en cours de lecture…": "Reading the list…",
    "Double-cliquez pour les lister ici, une ligne chacun.":
        "Double-click to list them here, one line each.",
    "Vue d'ensemble": "Overview",
    "Recette": "Takings",
    "Demande d'accord à la complémentaire…": "Approval request to the complementary insurer…",
    "dossier administratif": "administrative record",
    "dossier médical": "medical record",
    "copie des documents du patient": "copy of the patient's documents",
    "chirurgien-dentiste": "dental surgeon",
    "médecin": "physician",
    "Patient": "Patient",
    "Total": "Total",
    "AMO": "AMO",
    "Part patient": "Patient share",
    "Payé le": "Paid on",
    "Patient : nom, prénom ou NIR…": "Patient: surname, first name or NIR…",
    "Le début du nom ou du prénom (accents et majuscules indifférents), ou du NIR":
        "The start of the surname or first name (accents and case ignored), or of the NIR",
    "Soins à partir du (vide : sans limite)": "Care from (empty: no limit)",
    "Soins jusqu'au (vide : sans limite)": "Care until (empty: no limit)",
    "du": "from",
    "Tous les états": "All states",
    "Tous les paiements": "All payments",
    "Effacer": "Clear",
    "Effacer la recherche et les filtres": "Clear the search and the filters",
    "La date « du » est après la date « au » : rien à chercher.":
        "The “from” date is after the “to” date: nothing to search.",
    "Liste des FSE illisible : ": "FSE list unreadable: ",
    "Aucune FSE pour l'instant.": "No FSE yet.",
    "Aucune FSE ne correspond à cette recherche.": "No FSE matches this search.",
    "Reçu le": "Received on",
    "Facture": "Invoice",
    "Payé AMO": "Paid AMO",
    "Motif": "Reason",
    "Corriger et renvoyer…": "Correct and resend…",
    "FSE rejetée ou refusée : la corriger et la signer à nouveau (FSE rectificative)":
        "Rejected or refused FSE: correct it and sign it again (corrective FSE)",
    "Aucun envoi en cours": "No sending in progress",
    "Réseau : envoi arrêté": "Network: sending stopped",
    "Insérez la carte CPS du praticien : c'est elle qui signe la FSE corrigée.":
        "Insert the practitioner's CPS card: it signs the corrected FSE.",
    "Aucune FSE en dégradé n'attend sa feuille signée : rien à numériser.":
        "No degraded-mode FSE is waiting for its signed form: nothing to scan.",
    "Sauvegardes :": "Backups:",
    "ALD": "ALD",
    "Modifier…": "Edit…",
    "Favoris séparés par des virgules ; « G+MEG » ajoute les deux actes":
        "Favourites separated by commas; “G+MEG” adds both acts",
    "En rapport avec l'ALD (ordonnancier bizone) : seul cet acte est exonéré":
        "Related to the ALD (two-zone prescription form): only this act is exempt",
    "Paiement :": "Payment:",
    "Réglé par :": "Paid by:",
    "Favoris": "Favourites",
    "Codes séparés par des virgules ; « + » pour une combinaison (ex. G+MEG) :":
        "Codes separated by commas; “+” for a combination (e.g. G+MEG):",
    "Favoris non enregistrés": "Favourites not saved",
    "est déjà sur cette facture": "is already on this invoice",
    "a déjà été facturé à ce patient ce jour-là": "was already billed to this patient that day",
    "ce patient": "this patient",
    "Même acte deux fois": "Same act twice",
    "Ajouter quand même": "Add anyway",
    "Ne pas ajouter": "Do not add",
    "En rapport avec l'ALD": "Related to the ALD",
    "Ce que le patient règle maintenant ({means})": "What the patient pays now ({means})",
    "à encaisser maintenant : {amount} ({means})": "to collect now: {amount} ({means})",
    "rien à encaisser ({payment})": "nothing to collect ({payment})",
    "FSE n° {number} sécurisée pour {name} — {money}.":
        "FSE no. {number} secured for {name} — {money}.",
    "Corriger et renvoyer la FSE n° %1": "Correct and resend FSE no. %1",
    "refusée par l'Assurance Maladie (ARL négatif)":
        "refused by the Assurance Maladie (negative ARL)",
    "rejetée par la caisse": "rejected by the fund",
    "Codes des actes séparés par des virgules, ex. : G, MEG":
        "Act codes separated by commas, e.g.: G, MEG",
    "Actes :": "Acts:",
    "tiers payant part obligatoire (AMO)": "third-party payment, compulsory share (AMO)",
    "Tiers payant :": "Third-party payment:",
    "La FSE corrigée reçoit un nouveau numéro et part dans un nouveau lot ; la FSE n°\xa0%1 "
    "reste dans l'historique, marquée « rectifiée », et ne compte plus dans les totaux. Le "
    "patient est identifié par son NIR (sans carte Vitale).":
        "The corrected FSE gets a new number and leaves in a new batch; FSE no.\xa0%1 stays in "
        "the history, marked “corrected”, and no longer counts in the totals. The patient is "
        "identified by their NIR (without a Vitale card).",
    "La FSE corrigée reçoit un nouveau numéro et part dans un nouveau lot ; la FSE n°\xa0%1 "
    "reste dans l'historique, marquée « rectifiée », et ne compte plus dans les totaux.":
        "The corrected FSE gets a new number and leaves in a new batch; FSE no.\xa0%1 stays in "
        "the history, marked “corrected”, and no longer counts in the totals.",
    "Tapez la date (ex. 05122026) ou choisissez-la ; Ctrl+D":
        "Type the date (e.g. 05122026) or choose it; Ctrl+D",
    "Nouveau patient… Ctrl+N": "New patient… Ctrl+N",
    "Saisir l'identité d'un patient sans carte (première visite, mode dégradé)":
        "Enter the identity of a patient without a card (first visit, degraded mode)",
    "Pourquoi facturer sans la carte Vitale ?": "Why bill without the Vitale card?",
    "Mode dégradé ({reason}) : la feuille de soins sera imprimée pour signature.":
        "Degraded mode ({reason}): the care form will be printed for signature.",
    "Nouveau patient": "New patient",
    "15 caractères, clé comprise": "15 characters, key included",
    "Nom :": "Surname:",
    "Prénom :": "First name:",
    "Qualité :": "Beneficiary type:",
    "Régime (2 chiffres) :": "Scheme (2 digits):",
    "Caisse (3 chiffres) :": "Fund (3 digits):",
    "Centre (4 chiffres) :": "Centre (4 digits):",
    "Créer": "Create",
    "Carte CPS absente (jeton PKCS#11{token}) : branchez-la ou insérez-la pour signer, le code "
    "porteur sera demandé.":
        "CPS card absent (PKCS#11 token{token}): plug it in or insert it to sign, the PIN will "
        "be asked.",
    "Restaurer une sauvegarde": "Restore a backup",
    "Date": "Date",
    "Taille": "Size",
    "Vérification": "Check",
    "Vérification des sauvegardes…": "Checking the backups…",
    "Autre fichier…": "Other file…",
    "Restaurer la sauvegarde choisie…": "Restore the chosen backup…",
    "Fermer": "Close",
    "vérifiée": "checked",
    "refusée : {why}": "refused: {why}",
    "Aucune sauvegarde dans {folder}. Choisissez un fichier de sauvegarde avec « Autre "
    "fichier… ».":
        "No backup in {folder}. Choose a backup file with “Other file…”.",
    "{n} sauvegarde(s), dont {good} vérifiée(s). La plus récente est en haut.":
        "{n} backup(s), {good} of them checked. The most recent is at the top.",
    "Restaurer": "Restore",
    "la sauvegarde du {when}": "the backup of {when}",
    "Fichier de sauvegarde": "Backup file",
    "Base sesam (*.db)": "sesam database (*.db)",
    "Un envoi est en cours : attendez sa fin (page File d'attente), puis recommencez. Rien "
    "n'a été modifié.":
        "A sending is in progress: wait for it to end (Queue page), then try again. Nothing "
        "was changed.",
    "Restaurer {what} ?\n\n{explanation}\n\nLes pages de l'application seront rechargées à "
    "partir de la base restaurée.":
        "Restore {what}?\n\n{explanation}\n\nThe application's pages will be reloaded from the "
        "restored database.",
    "Restauration en cours… Ne fermez pas l'application.":
        "Restoring… Do not close the application.",
    " La base précédente est gardée : {path}.": " The previous database is kept: {path}.",
    "Restauration faite à partir de {what}.": "Restored from {what}.",
    "Carte CPS bloquée": "CPS card blocked",
    "La carte CPS insérée dans « %1 » est bloquée : trois codes porteur faux ont été saisis. "
    "Vous pouvez la débloquer avec son code de déblocage (PUK, 8 chiffres, reçu avec la "
    "carte) et choisir un nouveau code porteur.":
        "The CPS card inserted in “%1” is blocked: three wrong PINs were typed. You can "
        "unblock it with its unblocking code (PUK, 8 digits, received with the card) and "
        "choose a new PIN.",
    "Débloquer la carte CPS": "Unblock the CPS card",
    "Carte CPS bloquée dans « %1 » : saisissez son code PUK et un nouveau code porteur.":
        "CPS card blocked in “%1”: type its PUK and a new PIN.",
    "Code PUK": "PUK",
    "Nouveau code porteur": "New PIN",
    "Confirmation": "Confirmation",
    "Code PUK (8 chiffres) :": "PUK (8 digits):",
    "Nouveau code porteur (4 chiffres) :": "New PIN (4 digits):",
    "Nouveau code porteur, à nouveau :": "New PIN, again:",
    # %2 is the French word for "attempt(s)": English counts without it.
    "Code PUK incorrect. Il reste %1 %2.": "Wrong PUK. Attempts left: %1.",
    "Débloquer": "Unblock",
    "Les deux nouveaux codes porteur diffèrent.": "The two new PINs differ.",
    "Tous les praticiens": "All practitioners",
    "Aujourd'hui": "Today",
    "Afficher": "Show",
    "Imprimer…": "Print…",
    "Du": "From",
    "au": "to",
    "Praticien": "Practitioner",
    "Chargement…": "Loading…",
    "Recette {period} : {count} FSE, honoraires {fees}\nEncaissé au cabinet {collected} · à "
    "encaisser {due} · tiers payant attendu {expected} (AMO {amo} des caisses, AMC {amc} des "
    "complémentaires)":
        "Takings {period}: {count} FSE, fees {fees}\nCollected at the practice {collected} · "
        "to collect {due} · third-party payment expected {expected} (AMO {amo} from the "
        "funds, AMC {amc} from the complementary insurers)",
    "Seules les {n} premières FSE sont listées ; les totaux les comptent toutes.":
        "Only the first {n} FSE are listed; the totals count them all.",
    "Total encaissé": "Total collected",
    "À encaisser": "To collect",
    "Recette enregistrée : {path}": "Takings saved: {path}",
    "Imprimer la recette": "Print the takings",
    "Délai de paiement (jours)": "Payment delay (days)",
    "délai (jours), vide : %1": "delay (days), empty: %1",
    "Le délai de paiement est un nombre de jours, de 1 à 365 (vide : par défaut).":
        "The payment delay is a number of days, from 1 to 365 (empty: default).",
    "%1 (par défaut)": "%1 (default)",
    "Sauvegarde de la base : vérification de la base…": "Database backup: checking the database…",
    "Sauvegarde de la base : vérification de la copie…": "Database backup: checking the copy…",
    "Aucun paiement non rapproché : chaque retour NOEMIE a trouvé sa FSE.":
        "No unmatched payment: every NOEMIE return found its FSE.",
    "Paiements non rapprochés ({count})": "Unmatched payments ({count})",
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
