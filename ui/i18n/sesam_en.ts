<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en_US">
<context>
    <name />
    <message>
        <location filename="../dialogs/pin.py" line="41" />
        <source>Code porteur de la carte CPS</source>
        <translation>CPS card PIN</translation>
    </message>
    <message>
        <location filename="../dialogs/pin.py" line="45" />
        <source>Saisissez le code porteur de la carte insérée dans « %1 ».</source>
        <translation>Type the PIN of the card inserted in “%1”.</translation>
    </message>
    <message>
        <location filename="../dialogs/pin.py" line="54" />
        <source>Code porteur</source>
        <translation>PIN</translation>
    </message>
    <message>
        <location filename="../dialogs/pin.py" line="67" />
        <source>Valider</source>
        <translation>OK</translation>
    </message>
    <message>
        <location filename="../dialogs/pin.py" line="68" />
        <source>Annuler</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location filename="../errors.py" line="20" />
        <source>Une erreur inattendue s'est produite. L'opération n'a pas été faite. Réessayez ; si cela se reproduit, exportez le dossier de support (page Diagnostic) et transmettez-le.</source>
        <translation>An unexpected error occurred. Nothing was done. Try again; if it happens again, export the support bundle (Diagnostics page) and send it.</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="44" />
        <source>Facturation SESAM-Vitale</source>
        <translation>SESAM-Vitale billing</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="70" />
        <location filename="../pages/billing.py" line="26" />
        <source>Patient et facturation</source>
        <translation>Patient and billing</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="71" />
        <source>File d'attente</source>
        <translation>Queue</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="72" />
        <location filename="../pages/dashboard.py" line="54" />
        <source>Tableau de bord</source>
        <translation>Dashboard</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="73" />
        <source>SCOR</source>
        <translation>SCOR</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="74" />
        <location filename="../pages/settings.py" line="58" />
        <source>Réglages</source>
        <translation>Settings</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="75" />
        <location filename="../pages/diagnostics.py" line="119" />
        <source>Diagnostic</source>
        <translation>Diagnostics</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="160" />
        <source>Carte</source>
        <extracomment>Print the documents made (receipt, feuille de soins, duplicata) through the Qt print dialog (``ui.printing``); off in tests unless they ask for it.</extracomment>
        <translation>Card</translation>
    </message>
    <message>
        <source>Taux de FSE sécurisées Vitale</source>
        <translation type="vanished">Share of Vitale-secured FSE</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="60" />
        <source>Montants en attente de paiement</source>
        <translation>Amounts awaiting payment</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="61" />
        <source>Rejets et refus</source>
        <translation>Rejects and refusals</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="62" />
        <source>Jours depuis la dernière transmission</source>
        <translation>Days since the last transmission</translation>
    </message>
    <message>
        <source>Honoraires facturés et reçus (AMO + AMC) par mois de soins</source>
        <translation type="vanished">Fees billed and received (AMO + AMC) per month of care</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="59" />
        <source>Taux de télétransmission (hors dégradé)</source>
        <translation>Teletransmission rate (degraded mode excluded)</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="68" />
        <source>Facturé (AMO + AMC, mois des soins) et reçu (mois du paiement)</source>
        <translation>Billed (AMO + AMC, month of care) and received (month of payment)</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="69" />
        <source>Facturé</source>
        <translation>Billed</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="69" />
        <source>Reçu</source>
        <translation>Received</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="72" />
        <source>Rejets par mois</source>
        <translation>Rejects per month</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="72" />
        <source>Rejets</source>
        <translation>Rejects</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="77" />
        <source>Alertes</source>
        <translation>Alerts</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="117" />
        <source>Aucune alerte.</source>
        <translation>No alert.</translation>
    </message>
    <message>
        <location filename="../pages/diagnostics.py" line="126" />
        <source>État du poste : service de cartes, lecteurs, dernières erreurs, serveur, versions. Le dossier de support ne contient aucune donnée patient.</source>
        <translation>Workstation state: smart card service, readers, last errors, server, versions. The support bundle contains no patient data.</translation>
    </message>
    <message>
        <location filename="../pages/diagnostics.py" line="136" />
        <source>Actualiser (F5)</source>
        <translation>Refresh (F5)</translation>
    </message>
    <message>
        <location filename="../pages/diagnostics.py" line="141" />
        <source>Exporter le dossier de support…</source>
        <translation>Export the support bundle…</translation>
    </message>
    <message>
        <location filename="../pages/diagnostics.py" line="192" />
        <source>Dossier de support</source>
        <translation>Support bundle</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="43" />
        <source>brouillon</source>
        <translation>draft</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="44" />
        <source>sécurisée, lot ouvert</source>
        <translation>secured, lot open</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="45" />
        <source>lot signé, à envoyer</source>
        <translation>lot signed, to send</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="46" />
        <source>envoyée, ARL attendu</source>
        <translation>sent, ARL awaited</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="47" />
        <source>reçue (ARL positif)</source>
        <translation>received (positive ARL)</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="48" />
        <source>refusée (ARL négatif)</source>
        <translation>refused (negative ARL)</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="49" />
        <source>payée</source>
        <translation>paid</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="50" />
        <source>rejetée</source>
        <translation>rejected</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="51" />
        <source>annulée</source>
        <translation>cancelled</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="54" />
        <source>ouvert</source>
        <translation>open</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="55" />
        <source>signé, à envoyer</source>
        <translation>signed, to send</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="56" />
        <source>envoyé, ARL attendu</source>
        <translation>sent, ARL awaited</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="57" />
        <source>ARL positif</source>
        <translation>positive ARL</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="58" />
        <source>ARL négatif : à renvoyer</source>
        <translation>negative ARL: send again</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="59" />
        <source>annulé</source>
        <translation>voided</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="62" />
        <source>Vitale</source>
        <translation>Vitale</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="63" />
        <source>sans Vitale</source>
        <translation>without Vitale</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="64" />
        <source>dégradé</source>
        <translation>degraded</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="67" />
        <source>N°</source>
        <translation>No.</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="68" />
        <source>Date des soins</source>
        <translation>Date of care</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="69" />
        <location filename="../pages/queue.py" line="80" />
        <source>Mode</source>
        <translation>Mode</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="70" />
        <location filename="../pages/queue.py" line="82" />
        <source>État</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="71" />
        <source>Rapprochement</source>
        <translation>Reconciliation</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="72" />
        <source>AMO facturé</source>
        <translation>AMO billed</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="73" />
        <source>AMO payé</source>
        <translation>AMO paid</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="74" />
        <source>Motif / détail</source>
        <translation>Reason / detail</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="77" />
        <source>Lot</source>
        <translation>Lot</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="78" />
        <source>Type</source>
        <translation>Type</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="79" />
        <source>Caisse</source>
        <translation>Fund</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="81" />
        <source>FSE</source>
        <translation>FSE</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="83" />
        <source>Envoi</source>
        <translation>Sending</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="125" />
        <source>File d'attente et retours</source>
        <translation>Queue and returns</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="142" />
        <source>Envoyer maintenant (F9)</source>
        <translation>Send now (F9)</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="147" />
        <source>Annuler l'envoi (Échap)</source>
        <translation>Cancel sending (Esc)</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="153" />
        <source>Relever les retours (F10)</source>
        <translation>Fetch returns (F10)</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="182" />
        <source>Feuilles de soins</source>
        <translation>Care sheets</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="183" />
        <source>Lots</source>
        <translation>Lots</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="184" />
        <source>Paiements non rapprochés</source>
        <translation>Unmatched payments</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="188" />
        <source>Duplicata… (Ctrl+D)</source>
        <translation>Duplicate… (Ctrl+D)</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="193" />
        <source>Annuler la FSE (Suppr)</source>
        <translation>Cancel the FSE (Del)</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="197" />
        <source>Renvoyer le lot refusé</source>
        <translation>Resend the refused lot</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="201" />
        <source>Rapprocher… (Alt+R)</source>
        <translation>Match… (Alt+R)</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="205" />
        <source>Rapprocher à la main le paiement choisi d'une FSE acceptée (ARL positif)</source>
        <translation>Match the chosen payment by hand with an accepted FSE (positive ARL)</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="214" />
        <source>Une FSE ne peut être annulée que tant qu'elle n'est pas partie. Un lot refusé (ARL négatif) est renvoyé tel quel après correction de la cause indiquée.</source>
        <translation>An FSE can only be cancelled until it has left. A refused lot (negative ARL) is sent again as is once the stated cause is fixed.</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="388" />
        <source>Signature des lots avec la carte CPS…</source>
        <translation>Signing the lots with the CPS card…</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="418" />
        <source>Réseau : envoi…</source>
        <translation>Network: sending…</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="424" />
        <source>Annulation demandée : l'envoi en cours se termine.</source>
        <translation>Cancel requested: the transfer in progress finishes.</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="531" />
        <source>Choisissez d'abord le paiement dans l'onglet Paiements non rapprochés.</source>
        <translation>First choose the payment in the Unmatched payments tab.</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="537" />
        <source>Rapprocher un paiement</source>
        <translation>Match a payment</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="245" />
        <location filename="../pages/queue.py" line="440" />
        <location filename="../pages/queue.py" line="470" />
        <source>Réseau : injoignable</source>
        <translation>Network: unreachable</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="453" />
        <source>Relève des retours de l'Assurance Maladie…</source>
        <translation>Fetching the Assurance Maladie returns…</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="245" />
        <location filename="../pages/queue.py" line="464" />
        <source>Réseau : ok</source>
        <translation>Network: ok</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="476" />
        <source>Choisissez d'abord la FSE.</source>
        <translation>Choose the FSE first.</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="478" />
        <source>Duplicata</source>
        <translation>Duplicate</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="490" />
        <source>Imprimer le duplicata</source>
        <translation>Print the duplicate</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="499" />
        <source>Annuler la FSE</source>
        <translation>Cancel the FSE</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="515" />
        <source>Choisissez le lot refusé dans l'onglet Lots.</source>
        <translation>Choose the refused lot in the Lots tab.</translation>
    </message>
    <message>
        <location filename="../pages/scor.py" line="51" />
        <source>Déposez ici le fichier numérisé (PDF, TIFF, PNG, JPEG),
ou numérisez la feuille de soins signée.</source>
        <translation>Drop the scanned file here (PDF, TIFF, PNG, JPEG),
or scan the signed care sheet.</translation>
    </message>
    <message>
        <location filename="../pages/scor.py" line="87" />
        <source>Déposez ici le fichier numérisé, ou numérisez.</source>
        <translation>Drop the scanned file here, or scan.</translation>
    </message>
    <message>
        <location filename="../pages/scor.py" line="93" />
        <source>SCOR — pièces justificatives</source>
        <translation>SCOR — supporting documents</translation>
    </message>
    <message>
        <location filename="../pages/scor.py" line="101" />
        <source>FSE en dégradé qui attendent leur feuille signée :</source>
        <translation>Degraded FSE waiting for their signed sheet:</translation>
    </message>
    <message>
        <location filename="../pages/scor.py" line="105" />
        <source>Pièces et leur suivi :</source>
        <translation>Documents and their follow-up:</translation>
    </message>
    <message>
        <location filename="../pages/scor.py" line="114" />
        <source>Numériser (Ctrl+N)</source>
        <translation>Scan (Ctrl+N)</translation>
    </message>
    <message>
        <location filename="../pages/scor.py" line="119" />
        <source>Importer un fichier… (Ctrl+O)</source>
        <translation>Import a file… (Ctrl+O)</translation>
    </message>
    <message>
        <location filename="../pages/scor.py" line="131" />
        <source>Joindre à la FSE (Ctrl+Entrée)</source>
        <translation>Attach to the FSE (Ctrl+Enter)</translation>
    </message>
    <message>
        <location filename="../pages/scor.py" line="141" />
        <source>La pièce part dans un lot PJ après le lot de sa FSE, à l'envoi suivant (page File d'attente, F9). Sans ARL PJ positif après 5 jours ouvrés, envoyez le duplicata papier à la caisse.</source>
        <translation>The document leaves in a PJ lot after its FSE's lot, at the next sending (Queue page, F9). Without a positive PJ ARL after 5 working days, post the paper duplicate to the fund.</translation>
    </message>
    <message>
        <location filename="../pages/scor.py" line="178" />
        <source>Aucune pièce pour l'instant.</source>
        <translation>No document yet.</translation>
    </message>
    <message>
        <location filename="../pages/scor.py" line="186" />
        <source>Numérisation…</source>
        <translation>Scanning…</translation>
    </message>
    <message>
        <location filename="../pages/scor.py" line="198" />
        <source>Feuille de soins numérisée</source>
        <translation>Scanned care sheet</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="40" />
        <source>Délai de télétransmission (jours ouvrés)</source>
        <extracomment>(field, label, minimum, maximum) of the integer settings shown.</extracomment>
        <translation>Transmission deadline (working days)</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="46" />
        <source>Prévenir avant l'échéance (jours ouvrés)</source>
        <translation>Warn before the deadline (working days)</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="50" />
        <source>Alerte lot sans ARL après (jours)</source>
        <translation>Alert for a lot without ARL after (days)</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="51" />
        <source>Garantie de paiement (jours ouvrés)</source>
        <translation>Payment guarantee (working days)</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="69" />
        <source>Concentrateur de télétransmission</source>
        <translation>Transmission concentrator</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="73" />
        <source>Adresse :</source>
        <translation>Address:</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="84" />
        <location filename="../pages/settings.py" line="179" />
        <source>Choisir le fichier</source>
        <translation>Choose the file</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="96" />
        <source>Délai de connexion :</source>
        <translation>Connection timeout:</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="99" />
        <source>Délais et alertes</source>
        <translation>Deadlines and alerts</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="111" />
        <source>Lecteurs de cartes</source>
        <translation>Card readers</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="120" />
        <source>Les lecteurs sont détectés automatiquement (PC/SC). Un lecteur bi-fente accepte la carte Vitale et la CPS dans l'une ou l'autre fente.</source>
        <translation>Readers are detected automatically (PC/SC). A dual-slot reader takes the Vitale card and the CPS in either slot.</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="128" />
        <source>Données</source>
        <translation>Data</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="133" />
        <source>Dossier des données :</source>
        <translation>Data directory:</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="138" />
        <source>Pour en changer, démarrez avec --data-dir ou la variable SESAM_DATA_DIR. Il contient des données de santé : accès réservé à l'utilisateur.</source>
        <translation>To change it, start with --data-dir or the SESAM_DATA_DIR variable. It holds health data: user access only.</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="146" />
        <source>Tarifs locaux :</source>
        <translation>Local tariffs:</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="151" />
        <source>Fichier CSV au format du référentiel (code;label;amount;…) : ses lignes priment sur le référentiel livré.</source>
        <translation>CSV file in the referential's format (code;label;amount;…): its rows override the shipped referential.</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="164" />
        <source>Enregistrer (Ctrl+Entrée)</source>
        <translation>Save (Ctrl+Enter)</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="188" />
        <source>Réglages par défaut.</source>
        <translation>Default settings.</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="201" />
        <source>Aucun lecteur détecté.</source>
        <translation>No reader detected.</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="237" />
        <source>Réglages enregistrés.</source>
        <translation>Settings saved.</translation>
    </message>
    <message>
        <location filename="../status.py" line="16" />
        <source>carte Vitale</source>
        <translation>Vitale card</translation>
    </message>
    <message>
        <location filename="../status.py" line="17" />
        <source>carte CPS</source>
        <translation>CPS card</translation>
    </message>
    <message>
        <location filename="../status.py" line="18" />
        <source>carte non reconnue</source>
        <translation>unknown card</translation>
    </message>
    <message>
        <location filename="../status.py" line="33" />
        <source>Lecteurs : recherche…</source>
        <translation>Readers: searching…</translation>
    </message>
    <message>
        <location filename="../status.py" line="35" />
        <location filename="../status.py" line="115" />
        <source>Aucun praticien</source>
        <translation>No practitioner</translation>
    </message>
    <message>
        <location filename="../status.py" line="37" />
        <source>File : —</source>
        <translation>Queue: —</translation>
    </message>
    <message>
        <location filename="../status.py" line="39" />
        <source>Réseau : —</source>
        <translation>Network: —</translation>
    </message>
    <message>
        <location filename="../status.py" line="88" />
        <source>Lecteurs : indisponibles</source>
        <translation>Readers: unavailable</translation>
    </message>
    <message>
        <location filename="../status.py" line="92" />
        <source>Aucun lecteur de cartes</source>
        <translation>No card reader</translation>
    </message>
    <message>
        <location filename="../status.py" line="93" />
        <source>Branchez un lecteur, ou démarrez le service pcscd.</source>
        <translation>Plug in a reader, or start the pcscd service.</translation>
    </message>
    <message>
        <location filename="../status.py" line="100" />
        <source>{what} (lecture…)</source>
        <translation>{what} (reading…)</translation>
    </message>
    <message>
        <location filename="../status.py" line="102" />
        <source>vide</source>
        <translation>empty</translation>
    </message>
    <message>
        <location filename="../status.py" line="118" />
        <source>Praticien : {name}</source>
        <translation>Practitioner: {name}</translation>
    </message>
    <message>
        <location filename="../status.py" line="132" />
        <source>File : {n} en attente</source>
        <translation>Queue: {n} waiting</translation>
    </message>
    <message>
        <location filename="../status.py" line="134" />
        <source>, {n} rejet(s)</source>
        <translation>, {n} reject(s)</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="49" />
        <source>Code</source>
        <translation>Code</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="50" />
        <source>Libellé</source>
        <translation>Label</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="51" />
        <source>Qté</source>
        <translation>Qty</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="52" />
        <source>Coef.</source>
        <translation>Coef.</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="53" />
        <source>Honoraires</source>
        <translation>Fees</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="54" />
        <source>Part AMO</source>
        <translation>AMO share</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="55" />
        <source>Règle</source>
        <translation>Rule</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="59" />
        <source>aucun</source>
        <translation>none</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="60" />
        <source>DE (exigence)</source>
        <translation>DE (patient request)</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="61" />
        <source>DA (autorisé)</source>
        <translation>DA (authorised)</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="62" />
        <source>DP (permanent)</source>
        <translation>DP (permanent)</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="63" />
        <source>ED (entente directe)</source>
        <translation>ED (direct agreement)</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="66" />
        <source>Exigence particulière du patient</source>
        <translation>Particular request of the patient</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="67" />
        <source>Dépassement autorisé plafonné</source>
        <translation>Authorised capped overrun</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="68" />
        <source>Dépassement permanent</source>
        <translation>Permanent overrun</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="69" />
        <source>Entente directe</source>
        <translation>Direct agreement</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="72" />
        <source>dans le parcours</source>
        <translation>within the care pathway</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="73" />
        <source>hors parcours</source>
        <translation>outside the pathway</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="74" />
        <source>accès direct</source>
        <translation>direct access</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="75" />
        <source>urgence</source>
        <translation>emergency</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="105" />
        <source>Code ou libellé de l'acte, puis Entrée (Ctrl+K)</source>
        <translation>Act code or label, then Enter (Ctrl+K)</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="120" />
        <source>Favoris :</source>
        <translation>Favourites:</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="157" />
        <source>Dépassement :</source>
        <translation>Overrun:</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="177" />
        <source>Parcours :</source>
        <translation>Pathway:</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="184" />
        <source>Médecin traitant</source>
        <translation>Treating doctor</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="220" />
        <source>Imprimer le reçu</source>
        <translation>Print the receipt</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="228" />
        <source>Mettre en attente (Ctrl+S)</source>
        <translation>Keep for later (Ctrl+S)</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="233" />
        <source>Sécuriser la FSE (Ctrl+Entrée)</source>
        <translation>Secure the FSE (Ctrl+Enter)</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="481" />
        <source>Choisissez le patient.</source>
        <translation>Choose the patient.</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="483" />
        <source>Ajoutez les actes.</source>
        <translation>Add the acts.</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="485" />
        <source>Corrigez les erreurs avant de sécuriser.</source>
        <translation>Fix the errors before securing.</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="487" />
        <source>Prête : le praticien la sécurisera avec sa carte CPS.</source>
        <translation>Ready: the practitioner will secure it with his CPS card.</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="489" />
        <source>Prête à sécuriser.</source>
        <translation>Ready to secure.</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="497" />
        <source>Sécurisation de la FSE…</source>
        <translation>Securing the FSE…</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="512" />
        <source>Imprimé : {names}.</source>
        <translation>Printed: {names}.</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="538" />
        <source>Facture enregistrée : elle attend le praticien.</source>
        <translation>Invoice saved: it waits for the practitioner.</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="555" />
        <source>Choisissez d'abord le patient dont il faut actualiser les droits.</source>
        <translation>First choose the patient whose rights to refresh.</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="409" />
        <location filename="../widgets/invoice_panel.py" line="558" />
        <source>Interrogation ADRi…</source>
        <translation>Asking ADRi…</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="39" />
        <source>assuré</source>
        <translation>insured</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="40" />
        <source>ascendant</source>
        <translation>ascendant</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="41" />
        <source>conjoint</source>
        <translation>spouse</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="42" />
        <source>conjoint divorcé</source>
        <translation>divorced spouse</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="43" />
        <source>concubin</source>
        <translation>partner</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="44" />
        <source>conjoint séparé</source>
        <translation>separated spouse</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="45" />
        <source>enfant</source>
        <translation>child</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="46" />
        <source>bénéficiaire hors article 313</source>
        <translation>beneficiary (not article 313)</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="47" />
        <source>veuf</source>
        <translation>widow(er)</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="48" />
        <source>autre ayant droit</source>
        <translation>other dependant</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="144" />
        <source>Date des soins :</source>
        <extracomment>How the patient was identified (goes with the FSE: SESAM-Vitale or SESAM dégradé).</extracomment>
        <translation>Date of care:</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="158" />
        <source>Factures préparées à l'accueil, qui attendent la CPS</source>
        <translation>Invoices prepared at the reception, waiting for the CPS</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="160" />
        <source>Reprendre (Ctrl+E)</source>
        <translation>Resume (Ctrl+E)</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="171" />
        <source>Insérez la carte Vitale, ou cherchez le patient.</source>
        <translation>Insert the Vitale card, or search for the patient.</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="192" />
        <source>Actualiser les droits (ADRi)</source>
        <translation>Refresh the rights (ADRi)</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="194" />
        <source>Ctrl+R</source>
        <translation>Ctrl+R</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="202" />
        <source>Nom du patient ou NIR (Ctrl+F)</source>
        <translation>Patient name or NIR (Ctrl+F)</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="206" />
        <source>Mode dégradé</source>
        <translation>Degraded mode</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="210" />
        <source>Facturer sans carte Vitale : feuille de soins papier signée par le patient, puis numérisée (SCOR). Ctrl+Maj+D</source>
        <translation>Bill without the Vitale card: paper care sheet signed by the patient, then scanned (SCOR). Ctrl+Shift+D</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="218" />
        <source>Identifier par NIR (ADRi)… Ctrl+I</source>
        <translation>Identify by NIR (ADRi)… Ctrl+I</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="292" />
        <source>Carte Vitale retirée. Insérez une carte, ou cherchez le patient.</source>
        <translation>Vitale card removed. Insert a card, or search for the patient.</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="386" />
        <source>Identifier le patient par son NIR</source>
        <translation>Identify the patient by his NIR</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="393" />
        <source>13 ou 15 chiffres</source>
        <translation>13 or 15 digits</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="399" />
        <source>NIR de l'assuré :</source>
        <translation>Insured person's NIR:</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="400" />
        <source>Date de naissance :</source>
        <translation>Date of birth:</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="401" />
        <source>Rang de naissance :</source>
        <translation>Birth rank:</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="425" />
        <source>Mode dégradé choisi : la feuille de soins sera imprimée pour signature.</source>
        <translation>Degraded mode chosen: the care sheet will be printed for signature.</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="430" />
        <source>Pour le mode dégradé, cherchez d'abord le patient (nom ou NIR), puis choisissez-le.</source>
        <translation>For the degraded mode, first search for the patient (name or NIR), then choose him.</translation>
    </message>
    <message>
        <location filename="../widgets/practitioner_bar.py" line="15" />
        <source>secteur 1</source>
        <translation>sector 1</translation>
    </message>
    <message>
        <location filename="../widgets/practitioner_bar.py" line="16" />
        <source>secteur 1 DP</source>
        <translation>sector 1 DP</translation>
    </message>
    <message>
        <location filename="../widgets/practitioner_bar.py" line="17" />
        <source>secteur 2</source>
        <translation>sector 2</translation>
    </message>
    <message>
        <location filename="../widgets/practitioner_bar.py" line="20" />
        <source>libéral</source>
        <translation>self-employed</translation>
    </message>
    <message>
        <location filename="../widgets/practitioner_bar.py" line="21" />
        <source>salarié</source>
        <translation>employed</translation>
    </message>
    <message>
        <location filename="../widgets/practitioner_bar.py" line="22" />
        <source>remplaçant</source>
        <translation>locum</translation>
    </message>
    <message>
        <location filename="../widgets/practitioner_bar.py" line="54" />
        <source>Situation d'exercice sous laquelle facturer</source>
        <translation>Practice situation to bill under</translation>
    </message>
    <message>
        <location filename="../widgets/practitioner_bar.py" line="69" />
        <source>Aucune carte CPS : insérez la carte du praticien pour signer.</source>
        <translation>No CPS card: insert the practitioner's card to sign.</translation>
    </message>
</context>
</TS>