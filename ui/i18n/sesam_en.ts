<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en_US">
<context>
    <name />
    <message>
        <location filename="../dialogs/pin.py" line="42" />
        <source>Code porteur de la carte CPS</source>
        <translation>CPS card PIN</translation>
    </message>
    <message>
        <location filename="../dialogs/pin.py" line="46" />
        <source>Saisissez le code porteur de la carte insérée dans « %1 ».</source>
        <translation>Type the PIN of the card inserted in “%1”.</translation>
    </message>
    <message>
        <location filename="../dialogs/pin.py" line="55" />
        <source>Code porteur</source>
        <translation>PIN</translation>
    </message>
    <message>
        <location filename="../dialogs/pin.py" line="68" />
        <source>Valider</source>
        <translation>OK</translation>
    </message>
    <message>
        <location filename="../printing.py" line="136" />
        <source>Imprimer</source>
        <extracomment>Resolution of the rendered pages: enough for a cerfa and a signature, small in memory.</extracomment>
        <translation>Print</translation>
    </message>
    <message>
        <location filename="../printing.py" line="137" />
        <source>Quel document de la FSE n° {number} imprimer ?</source>
        <translation>Which document of FSE no. {number} to print?</translation>
    </message>
    <message>
        <location filename="../printing.py" line="140" />
        <source>La feuille de soins reprend la facture telle que sécurisée. Le duplicata remplace une FSE non transmise (deux échecs de télétransmission) et mentionne son motif.</source>
        <translation>The care sheet shows the invoice as secured. The duplicate replaces an FSE that could not be transmitted (two failed transmissions) and states why.</translation>
    </message>
    <message>
        <location filename="../printing.py" line="144" />
        <source>Feuille de soins</source>
        <translation>Care sheet</translation>
    </message>
    <message>
        <location filename="../printing.py" line="145" />
        <source>Duplicata…</source>
        <translation>Duplicate…</translation>
    </message>
    <message>
        <location filename="../printing.py" line="146" />
        <location filename="../dialogs/patient.py" line="96" />
        <location filename="../dialogs/close_remainder.py" line="66" />
        <location filename="../dialogs/restore.py" line="206" />
        <location filename="../dialogs/pin.py" line="69" />
        <location filename="../dialogs/rectify.py" line="116" />
        <location filename="../dialogs/puk.py" line="93" />
        <source>Annuler</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location filename="../errors.py" line="20" />
        <source>Une erreur inattendue s'est produite. L'opération n'a pas été faite. Réessayez ; si cela se reproduit, exportez le dossier de support (page Diagnostic) et transmettez-le.</source>
        <translation>An unexpected error occurred. Nothing was done. Try again; if it happens again, export the support bundle (Diagnostics page) and send it.</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="57" />
        <source>Facturation SESAM-Vitale</source>
        <translation>SESAM-Vitale billing</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="102" />
        <location filename="../pages/billing.py" line="64" />
        <source>Patient et facturation</source>
        <extracomment>The damaged store's French report (None: the store is sound or not yet checked): the application runs on, degraded, and offers a restore (``open_restore_dialog``). The one-time notice of space only ``sesam store compact`` can recover.</extracomment>
        <translation>Patient and billing</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="103" />
        <source>File d'attente</source>
        <translation>Queue</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="104" />
        <location filename="../pages/dashboard.py" line="62" />
        <source>Tableau de bord</source>
        <translation>Dashboard</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="105" />
        <source>SCOR</source>
        <translation>SCOR</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="106" />
        <location filename="../pages/settings.py" line="62" />
        <source>Réglages</source>
        <translation>Settings</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="107" />
        <location filename="../pages/diagnostics.py" line="120" />
        <source>Diagnostic</source>
        <translation>Diagnostics</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="221" />
        <source>Le fichier de la base de données {path} est endommagé ({detail}) : n'y enregistrez plus rien, restaurez une sauvegarde.</source>
        <extracomment>Print the documents made (receipt, feuille de soins, duplicata) through the Qt print dialog (``ui.printing``); off in tests unless they ask for it.</extracomment>
        <translation>The database file {path} is damaged ({detail}): record nothing more in it, restore a backup.</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="225" />
        <source>La base de données ne peut pas être utilisée : son fichier est endommagé (disque abîmé, coupure pendant une écriture…).

{path}
({detail})

Restaurez une sauvegarde : la base endommagée sera mise de côté dans le dossier « sauvegardes », jamais effacée, et les numéros de FSE ne redescendront pas. D'ici là, n'enregistrez rien.</source>
        <translation>The database cannot be used: its file is damaged (faulty disk, power cut during a write…).

{path}
({detail})

Restore a backup: the damaged database will be put aside in the “sauvegardes” folder, never deleted, and the FSE numbers will not go back. Until then, record nothing.</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="232" />
        <source>Base de données endommagée</source>
        <translation>Damaged database</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="235" />
        <location filename="../pages/diagnostics.py" line="146" />
        <location filename="../pages/settings.py" line="184" />
        <source>Restaurer une sauvegarde…</source>
        <translation>Restore a backup…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="237" />
        <source>Plus tard</source>
        <translation>Later</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="242" />
        <source>⚠ Base de données endommagée : restaurez une sauvegarde (Réglages ou Diagnostic).</source>
        <translation>⚠ Damaged database: restore a backup (Settings or Diagnostics).</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="267" />
        <source>Base restaurée à partir de {name}.</source>
        <translation>Database restored from {name}.</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="291" />
        <source>Place libre rendue au disque : {percent} %</source>
        <translation>Free space given back to the disk: {percent} %</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="299" />
        <source>Sauvegarde de la base : vérification de la base…</source>
        <translation>Database backup: checking the database…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="301" />
        <source>Sauvegarde de la base : vérification de la copie…</source>
        <translation>Database backup: checking the copy…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="304" />
        <source>Sauvegarde de la base en cours : {percent} %</source>
        <translation>Database backup in progress: {percent} %</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="316" />
        <source>Mise à jour de la base terminée.</source>
        <translation>Database update finished.</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="320" />
        <location filename="../../client/migration_progress.py" line="37" />
        <source>Mise à jour de la base : {step} {percent} %</source>
        <extracomment>The line shown (status bar, stderr); ``{step}`` one of the steps above.</extracomment>
        <translation>Updating the database: {step} {percent} %</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="330" />
        <source>Registre incomplet</source>
        <translation>Incomplete register</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="346" />
        <source>Place à récupérer sur le disque</source>
        <translation>Disk space to recover</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="382" />
        <source>⚠ {what} arrêtée (voir Diagnostic)</source>
        <translation>⚠ {what} stopped (see Diagnostics)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="400" />
        <source>Carte</source>
        <translation>Card</translation>
    </message>
    <message>
        <source>Taux de FSE sécurisées Vitale</source>
        <translation type="vanished">Share of Vitale-secured FSE</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="74" />
        <source>Montants en attente de paiement</source>
        <translation>Amounts awaiting payment</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="75" />
        <source>Rejets et refus</source>
        <translation>Rejects and refusals</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="76" />
        <source>Jours depuis la dernière transmission</source>
        <translation>Days since the last transmission</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="77" />
        <source>Non payés (paiements partiels et rejets à clore)</source>
        <translation>Unpaid (partial payments and rejects to close)</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="86" />
        <source>Parts AMO + AMC facturées et paiements reçus des caisses (euros)</source>
        <translation>AMO + AMC parts billed and payments received from the funds (euros)</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="88" />
        <source>Facturé : FSE par mois des soins</source>
        <translation>Billed: FSE by month of care</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="89" />
        <source>Reçu : paiements des caisses par mois de paiement</source>
        <translation>Received: payments from the funds by month of payment</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="91" />
        <source>euros</source>
        <translation>euros</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="95" />
        <source>Rejets et refus par mois des soins</source>
        <translation>Rejects and refusals by month of care</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="96" />
        <source>FSE rejetées ou refusées</source>
        <translation>Rejected or refused FSE</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="98" />
        <source>nombre de FSE</source>
        <translation>number of FSE</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="106" />
        <source>Un mois peut recevoir plus qu'il n'a facturé : les caisses y paient aussi des soins des mois précédents.</source>
        <translation>A month may receive more than it billed: the funds also pay care of previous months in it.</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="166" />
        <source>Rejets et refus, soins de {first} à {last}</source>
        <translation>Rejects and refusals, care from {first} to {last}</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="188" />
        <source>Liste en cours de lecture…</source>
        <translation>Reading the list…</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="223" />
        <source>Double-cliquez pour les lister ici, une ligne chacun.</source>
        <translation>Double-click to list them here, one line each.</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="236" />
        <source>FSE par mode de sécurisation : </source>
        <translation>FSE by securing mode: </translation>
    </message>
    <message>
        <source>Honoraires facturés et reçus (AMO + AMC) par mois de soins</source>
        <translation type="vanished">Fees billed and received (AMO + AMC) per month of care</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="73" />
        <source>Taux de télétransmission (hors dégradé)</source>
        <translation>Teletransmission rate (degraded mode excluded)</translation>
    </message>
    <message>
        <source>Facturé (AMO + AMC, mois des soins) et reçu (mois du paiement)</source>
        <translation>Billed (AMO + AMC, month of care) and received (month of payment)</translation>
    </message>
    <message>
        <source>Facturé</source>
        <translation>Billed</translation>
    </message>
    <message>
        <source>Reçu</source>
        <translation>Received</translation>
    </message>
    <message>
        <source>Rejets par mois</source>
        <translation>Rejects per month</translation>
    </message>
    <message>
        <source>Rejets</source>
        <translation>Rejects</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="115" />
        <source>Alertes</source>
        <translation>Alerts</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="129" />
        <source>Vue d'ensemble</source>
        <translation>Overview</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="130" />
        <source>Recette</source>
        <translation>Takings</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="171" />
        <source>%1 non payés sur %2 FSE</source>
        <translation>%1 unpaid on %2 FSE</translation>
    </message>
    <message>
        <location filename="../pages/dashboard.py" line="214" />
        <source>Aucune alerte.</source>
        <translation>No alert.</translation>
    </message>
    <message>
        <location filename="../pages/diagnostics.py" line="127" />
        <source>État du poste : service de cartes, lecteurs, dernières erreurs, serveur, versions. Le dossier de support ne contient aucune donnée patient.</source>
        <translation>Workstation state: smart card service, readers, last errors, server, versions. The support bundle contains no patient data.</translation>
    </message>
    <message>
        <location filename="../pages/diagnostics.py" line="137" />
        <source>Actualiser (F5)</source>
        <translation>Refresh (F5)</translation>
    </message>
    <message>
        <location filename="../pages/diagnostics.py" line="142" />
        <source>Exporter le dossier de support…</source>
        <translation>Export the support bundle…</translation>
    </message>
    <message>
        <location filename="../pages/diagnostics.py" line="212" />
        <source>Dossier de support</source>
        <translation>Support bundle</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="30" />
        <source>brouillon</source>
        <extracomment>An FSE's state (singular, the FSE is feminine).</extracomment>
        <translation>draft</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="31" />
        <source>sécurisée, lot ouvert</source>
        <translation>secured, lot open</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="32" />
        <source>lot signé, à envoyer</source>
        <translation>lot signed, to send</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="33" />
        <source>envoyée, ARL attendu</source>
        <translation>sent, ARL awaited</translation>
    </message>
    <message>
        <source>reçue (ARL positif)</source>
        <translation type="vanished">received (positive ARL)</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="34" />
        <source>acceptée (ARL positif)</source>
        <translation>accepted (positive ARL)</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="35" />
        <location filename="../../client/labels.py" line="66" />
        <source>refusée (ARL négatif)</source>
        <translation>refused (negative ARL)</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="36" />
        <location filename="../../client/labels.py" line="63" />
        <source>payée</source>
        <extracomment>Where an FSE stands for the practitioner's money (ARL and NOEMIE returns).</extracomment>
        <translation>paid</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="37" />
        <location filename="../../client/labels.py" line="65" />
        <source>rejetée</source>
        <translation>rejected</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="38" />
        <source>annulée</source>
        <translation>cancelled</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="39" />
        <source>rectifiée (remplacée par sa FSE rectificative)</source>
        <translation>rectified (replaced by its corrected FSE)</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="44" />
        <source>ouvert</source>
        <extracomment>A lot's state.</extracomment>
        <translation>open</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="45" />
        <source>signé, à envoyer</source>
        <translation>signed, to send</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="46" />
        <source>envoyé, ARL attendu</source>
        <translation>sent, ARL awaited</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="47" />
        <source>accepté (ARL positif)</source>
        <translation>accepted (positive ARL)</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="48" />
        <source>refusé (ARL négatif) : à renvoyer</source>
        <translation>refused (negative ARL): send again</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="75" />
        <source>ApCV (appli carte Vitale)</source>
        <translation>ApCV (Vitale app)</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="81" />
        <source>carte CPS/CPE</source>
        <translation>CPS/CPE card</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="128" />
        <source>Demande d'accord à la complémentaire…</source>
        <extracomment>Said while the desk asks the complémentaire's agreement (tiers payant AMC) before securing.</extracomment>
        <translation>Approval request to the complementary insurer…</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="132" />
        <source>gestion unique (la caisse paie les deux parts)</source>
        <extracomment>How the complémentaire is paid in tiers payant (card tag 86).</extracomment>
        <translation>single management (the fund pays both parts)</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="133" />
        <source>gestion séparée (la complémentaire paie sa part elle-même)</source>
        <translation>separate management (the complementary insurer pays its own part)</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="140" />
        <source>consultations</source>
        <extracomment>The kinds of care for which the complémentaire accepts the tiers payant (card tag 87).</extracomment>
        <translation>consultations</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="141" />
        <source>actes techniques</source>
        <translation>technical acts</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="142" />
        <source>soins dentaires</source>
        <translation>dental care</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="143" />
        <source>prothèses dentaires</source>
        <translation>dental prostheses</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="144" />
        <source>pharmacie</source>
        <translation>pharmacy</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="145" />
        <source>biologie</source>
        <translation>laboratory tests</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="146" />
        <source>optique</source>
        <translation>optics</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="147" />
        <source>auxiliaires médicaux</source>
        <translation>allied health professionals</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="148" />
        <source>hospitalisation</source>
        <translation>hospitalisation</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="154" />
        <source>dossier administratif</source>
        <extracomment>The files sent on an OCAM's information request (issue #23, seed 000).</extracomment>
        <translation>administrative record</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="155" />
        <source>dossier médical</source>
        <translation>medical record</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="156" />
        <source>copie des documents du patient</source>
        <translation>copy of the patient's documents</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="161" />
        <source>chirurgien-dentiste</source>
        <extracomment>Who may receive a medical file for an OCAM.</extracomment>
        <translation>dental surgeon</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="162" />
        <source>médecin</source>
        <translation>physician</translation>
    </message>
    <message>
        <source>ARL positif</source>
        <translation type="vanished">positive ARL</translation>
    </message>
    <message>
        <source>ARL négatif : à renvoyer</source>
        <translation type="vanished">negative ARL: send again</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="49" />
        <source>annulé</source>
        <translation>voided</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="54" />
        <source>lot ouvert (pas encore signé)</source>
        <extracomment>A lot's place in the télétransmission queue (its outbox row).</extracomment>
        <translation>lot open (not signed yet)</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="55" />
        <source>en attente d'envoi</source>
        <translation>waiting to be sent</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="56" />
        <source>envoi en cours</source>
        <translation>sending</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="57" />
        <source>envoyé</source>
        <translation>sent</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="58" />
        <source>en échec (action requise)</source>
        <translation>failed (action needed)</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="64" />
        <source>payée partiellement (montant différent)</source>
        <translation>partly paid (amount differs)</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="67" />
        <source>en attente</source>
        <translation>waiting</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="72" />
        <source>Vitale</source>
        <extracomment>How an FSE was secured.</extracomment>
        <translation>Vitale</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="73" />
        <source>sans Vitale</source>
        <translation>without Vitale</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="74" />
        <source>dégradé</source>
        <translation>degraded</translation>
    </message>
    <message>
        <location filename="../widgets/fse_list.py" line="98" />
        <source>N°</source>
        <extracomment>Typing pauses this long (ms) before the list is searched again. The « no date » of the du / au fields (shown blank). The states the filter offers: those the store holds. An FSE is stored secured (``client.store.fse.insert_fse``), never as a draft: « brouillon » only ever listed nothing.</extracomment>
        <translation>No.</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="98" />
        <location filename="../widgets/fse_list.py" line="101" />
        <source>Date des soins</source>
        <translation>Date of care</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="81" />
        <source>Mode</source>
        <translation>Mode</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="84" />
        <location filename="../widgets/fse_list.py" line="106" />
        <source>État</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../widgets/fse_list.py" line="109" />
        <source>Rapprochement</source>
        <translation>Reconciliation</translation>
    </message>
    <message>
        <source>AMO facturé</source>
        <translation>AMO billed</translation>
    </message>
    <message>
        <location filename="../widgets/fse_list.py" line="100" />
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <location filename="../widgets/fse_list.py" line="102" />
        <source>Total</source>
        <translation>Total</translation>
    </message>
    <message>
        <location filename="../widgets/fse_list.py" line="103" />
        <source>AMO</source>
        <translation>AMO</translation>
    </message>
    <message>
        <location filename="../widgets/fse_list.py" line="104" />
        <source>AMC</source>
        <translation>AMC</translation>
    </message>
    <message>
        <location filename="../widgets/fse_list.py" line="105" />
        <source>Part patient</source>
        <translation>Patient share</translation>
    </message>
    <message>
        <location filename="../widgets/fse_list.py" line="107" />
        <source>AMO payé</source>
        <translation>AMO paid</translation>
    </message>
    <message>
        <location filename="../widgets/fse_list.py" line="108" />
        <source>Payé le</source>
        <translation>Paid on</translation>
    </message>
    <message>
        <location filename="../widgets/fse_list.py" line="110" />
        <source>Motif / détail</source>
        <translation>Reason / detail</translation>
    </message>
    <message>
        <location filename="../widgets/fse_list.py" line="146" />
        <source>Patient : nom, prénom ou NIR…</source>
        <extracomment>What one search read (the use case's: the queue page reads it with its own content). Emitted with each view shown (the list was searched again).</extracomment>
        <translation>Patient: surname, first name or NIR…</translation>
    </message>
    <message>
        <location filename="../widgets/fse_list.py" line="148" />
        <source>Le début du nom ou du prénom (accents et majuscules indifférents), ou du NIR</source>
        <translation>The start of the surname or first name (accents and case ignored), or of the NIR</translation>
    </message>
    <message>
        <location filename="../widgets/fse_list.py" line="154" />
        <source>Soins à partir du (vide : sans limite)</source>
        <translation>Care from (empty: no limit)</translation>
    </message>
    <message>
        <location filename="../widgets/fse_list.py" line="155" />
        <source>Soins jusqu'au (vide : sans limite)</source>
        <translation>Care until (empty: no limit)</translation>
    </message>
    <message>
        <location filename="../widgets/fse_list.py" line="156" />
        <source>du</source>
        <translation>from</translation>
    </message>
    <message>
        <location filename="../widgets/fse_list.py" line="162" />
        <source>Tous les états</source>
        <translation>All states</translation>
    </message>
    <message>
        <location filename="../widgets/fse_list.py" line="169" />
        <source>Tous les paiements</source>
        <translation>All payments</translation>
    </message>
    <message>
        <location filename="../widgets/fse_list.py" line="186" />
        <source>Effacer</source>
        <translation>Clear</translation>
    </message>
    <message>
        <location filename="../widgets/fse_list.py" line="188" />
        <source>Effacer la recherche et les filtres</source>
        <translation>Clear the search and the filters</translation>
    </message>
    <message>
        <location filename="../widgets/fse_list.py" line="284" />
        <source>La date « du » est après la date « au » : rien à chercher.</source>
        <translation>The “from” date is after the “to” date: nothing to search.</translation>
    </message>
    <message>
        <location filename="../widgets/fse_list.py" line="324" />
        <source>Liste des FSE illisible : </source>
        <translation>FSE list unreadable: </translation>
    </message>
    <message>
        <location filename="../widgets/fse_list.py" line="341" />
        <source>Aucune FSE pour l'instant.</source>
        <translation>No FSE yet.</translation>
    </message>
    <message>
        <location filename="../widgets/fse_list.py" line="343" />
        <source>Aucune FSE ne correspond à cette recherche.</source>
        <translation>No FSE matches this search.</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="78" />
        <source>Lot</source>
        <extracomment>Rows of each list read with the page: twice what a screen shows; the rest by pages as the lists scroll. Issue #27: formatting 3 × 200 rows on the workers while the page painted took the GIL from the GUI thread (its stalls at 1 M FSE). The FSE list read in the same go (None: its filter had nothing to search).</extracomment>
        <translation>Lot</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="79" />
        <source>Type</source>
        <translation>Type</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="80" />
        <source>Caisse</source>
        <translation>Fund</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="82" />
        <source>FSE</source>
        <translation>FSE</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="87" />
        <source>Envoi</source>
        <translation>Sending</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="91" />
        <source>Reçu le</source>
        <translation>Received on</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="95" />
        <source>Facture</source>
        <translation>Invoice</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="99" />
        <source>Payé AMO</source>
        <translation>Paid AMO</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="100" />
        <source>Motif</source>
        <translation>Reason</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="107" />
        <source>File d'attente et retours</source>
        <translation>Queue and returns</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="144" />
        <source>Aucun paiement non rapproché : chaque retour NOEMIE a trouvé sa FSE.</source>
        <translation>No unmatched payment: every NOEMIE return found its FSE.</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="333" />
        <source>Paiements non rapprochés ({count})</source>
        <translation>Unmatched payments ({count})</translation>
    </message>
    <message>
        <location filename="../pages/queue_sending.py" line="67" />
        <source>Envoyer maintenant (F9)</source>
        <extracomment>The bar's text while lots are sent: « 2 / 5 lot(s) ».</extracomment>
        <translation>Send now (F9)</translation>
    </message>
    <message>
        <location filename="../pages/queue_sending.py" line="72" />
        <source>Annuler l'envoi (Échap)</source>
        <translation>Cancel sending (Esc)</translation>
    </message>
    <message>
        <location filename="../pages/queue_sending.py" line="78" />
        <source>Relever les retours (F10)</source>
        <translation>Fetch returns (F10)</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="153" />
        <source>Feuilles de soins</source>
        <translation>Care sheets</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="154" />
        <source>Lots</source>
        <translation>Lots</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="155" />
        <source>Paiements non rapprochés</source>
        <translation>Unmatched payments</translation>
    </message>
    <message>
        <location filename="../pages/queue_fse_actions.py" line="44" />
        <source>Duplicata… (Ctrl+D)</source>
        <translation>Duplicate… (Ctrl+D)</translation>
    </message>
    <message>
        <location filename="../pages/queue_fse_actions.py" line="49" />
        <source>Imprimer la feuille de soins / duplicata…</source>
        <translation>Print the care sheet / duplicate…</translation>
    </message>
    <message>
        <location filename="../pages/queue_fse_actions.py" line="53" />
        <source>Ctrl+P : imprimer la feuille de soins (ou le duplicata) de la FSE choisie</source>
        <translation>Ctrl+P: print the care sheet (or the duplicate) of the chosen FSE</translation>
    </message>
    <message>
        <location filename="../pages/queue_fse_actions.py" line="57" />
        <source>Annuler la FSE (Suppr)</source>
        <translation>Cancel the FSE (Del)</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="166" />
        <source>Renvoyer le lot refusé</source>
        <translation>Resend the refused lot</translation>
    </message>
    <message>
        <location filename="../pages/queue_fse_actions.py" line="61" />
        <source>Corriger et renvoyer…</source>
        <translation>Correct and resend…</translation>
    </message>
    <message>
        <location filename="../pages/queue_fse_actions.py" line="64" />
        <source>FSE rejetée ou refusée : la corriger et la signer à nouveau (FSE rectificative)</source>
        <translation>Rejected or refused FSE: correct it and sign it again (corrective FSE)</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="170" />
        <source>Rapprocher… (Alt+R)</source>
        <translation>Match… (Alt+R)</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="174" />
        <source>Rapprocher à la main le paiement choisi d'une FSE acceptée (ARL positif)</source>
        <translation>Match the chosen payment by hand with an accepted FSE (positive ARL)</translation>
    </message>
    <message>
        <location filename="../pages/queue_fse_actions.py" line="70" />
        <source>Clore le reste dû…</source>
        <translation>Close the unpaid remainder…</translation>
    </message>
    <message>
        <location filename="../pages/queue_fse_actions.py" line="73" />
        <source>FSE payée partiellement ou rejetée : perte acceptée ou réclamé à la caisse</source>
        <translation>FSE partly paid or rejected: accepted loss or claimed from the caisse</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="184" />
        <source>Une FSE ne peut être annulée que tant qu'elle n'est pas partie. Un lot refusé (ARL négatif) est renvoyé tel quel après correction de la cause indiquée.</source>
        <translation>An FSE can only be cancelled until it has left. A refused lot (negative ARL) is sent again as is once the stated cause is fixed.</translation>
    </message>
    <message>
        <location filename="../pages/queue_sending.py" line="88" />
        <source>Aucun envoi en cours</source>
        <translation>No sending in progress</translation>
    </message>
    <message>
        <location filename="../pages/queue_sending.py" line="107" />
        <source>Signature des lots avec la carte CPS…</source>
        <translation>Signing the lots with the CPS card…</translation>
    </message>
    <message>
        <location filename="../pages/queue_sending.py" line="144" />
        <source>Réseau : envoi…</source>
        <translation>Network: sending…</translation>
    </message>
    <message>
        <location filename="../pages/queue_sending.py" line="166" />
        <source>Annulation demandée : l'envoi en cours se termine.</source>
        <translation>Cancel requested: the transfer in progress finishes.</translation>
    </message>
    <message>
        <location filename="../pages/queue_sending.py" line="191" />
        <source>Réseau : envoi arrêté</source>
        <translation>Network: sending stopped</translation>
    </message>
    <message>
        <location filename="../pages/queue_fse_actions.py" line="129" />
        <source>Imprimer la feuille de soins</source>
        <translation>Print the care sheet</translation>
    </message>
    <message>
        <location filename="../pages/queue_fse_actions.py" line="180" />
        <source>Insérez la carte CPS du praticien : c'est elle qui signe la FSE corrigée.</source>
        <translation>Insert the practitioner's CPS card: it signs the corrected FSE.</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="376" />
        <source>Choisissez d'abord le paiement dans l'onglet Paiements non rapprochés.</source>
        <translation>First choose the payment in the Unmatched payments tab.</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="382" />
        <source>Rapprocher un paiement</source>
        <translation>Match a payment</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="228" />
        <location filename="../pages/queue_sending.py" line="226" />
        <source>Réseau : injoignable</source>
        <translation>Network: unreachable</translation>
    </message>
    <message>
        <location filename="../pages/queue_sending.py" line="207" />
        <source>Relève des retours de l'Assurance Maladie…</source>
        <translation>Fetching the Assurance Maladie returns…</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="228" />
        <location filename="../pages/queue_sending.py" line="219" />
        <source>Réseau : ok</source>
        <translation>Network: ok</translation>
    </message>
    <message>
        <location filename="../pages/queue_fse_actions.py" line="96" />
        <location filename="../pages/queue_fse_actions.py" line="114" />
        <location filename="../pages/queue_fse_actions.py" line="238" />
        <source>Choisissez d'abord la FSE.</source>
        <translation>Choose the FSE first.</translation>
    </message>
    <message>
        <location filename="../pages/queue_fse_actions.py" line="98" />
        <source>Duplicata</source>
        <translation>Duplicate</translation>
    </message>
    <message>
        <location filename="../pages/queue_fse_actions.py" line="133" />
        <source>Imprimer le duplicata</source>
        <translation>Print the duplicate</translation>
    </message>
    <message>
        <location filename="../pages/queue_fse_actions.py" line="142" />
        <source>Annuler la FSE</source>
        <translation>Cancel the FSE</translation>
    </message>
    <message>
        <location filename="../pages/queue.py" line="360" />
        <source>Choisissez le lot refusé dans l'onglet Lots.</source>
        <translation>Choose the refused lot in the Lots tab.</translation>
    </message>
    <message>
        <location filename="../pages/scor.py" line="56" />
        <source>Déposez ici le fichier numérisé (PDF, TIFF, PNG, JPEG),
ou numérisez la feuille de soins signée.</source>
        <translation>Drop the scanned file here (PDF, TIFF, PNG, JPEG),
or scan the signed care sheet.</translation>
    </message>
    <message>
        <location filename="../pages/scor.py" line="92" />
        <source>Déposez ici le fichier numérisé, ou numérisez.</source>
        <translation>Drop the scanned file here, or scan.</translation>
    </message>
    <message>
        <location filename="../pages/scor.py" line="113" />
        <source>SCOR — pièces justificatives</source>
        <translation>SCOR — supporting documents</translation>
    </message>
    <message>
        <location filename="../pages/scor.py" line="121" />
        <source>FSE en dégradé qui attendent leur feuille signée :</source>
        <translation>Degraded FSE waiting for their signed sheet:</translation>
    </message>
    <message>
        <location filename="../pages/scor.py" line="124" />
        <source>Aucune FSE en dégradé n'attend sa feuille signée : rien à numériser.</source>
        <translation>No degraded-mode FSE is waiting for its signed form: nothing to scan.</translation>
    </message>
    <message>
        <location filename="../pages/scor.py" line="132" />
        <source>Pièces et leur suivi :</source>
        <translation>Documents and their follow-up:</translation>
    </message>
    <message>
        <location filename="../pages/scor.py" line="140" />
        <source>Numériser (Ctrl+N)</source>
        <translation>Scan (Ctrl+N)</translation>
    </message>
    <message>
        <location filename="../pages/scor.py" line="145" />
        <source>Importer un fichier… (Ctrl+O)</source>
        <translation>Import a file… (Ctrl+O)</translation>
    </message>
    <message>
        <location filename="../pages/scor.py" line="157" />
        <source>Joindre à la FSE (Ctrl+Entrée)</source>
        <translation>Attach to the FSE (Ctrl+Enter)</translation>
    </message>
    <message>
        <location filename="../pages/scor.py" line="167" />
        <source>La pièce part dans un lot PJ après le lot de sa FSE, à l'envoi suivant (page File d'attente, F9). Sans ARL PJ positif après 5 jours ouvrés, envoyez le duplicata papier à la caisse.</source>
        <translation>The document leaves in a PJ lot after its FSE's lot, at the next sending (Queue page, F9). Without a positive PJ ARL after 5 working days, post the paper duplicate to the fund.</translation>
    </message>
    <message>
        <location filename="../pages/scor.py" line="200" />
        <source>Aucune pièce pour l'instant.</source>
        <translation>No document yet.</translation>
    </message>
    <message>
        <location filename="../pages/scor.py" line="229" />
        <source>Numérisation…</source>
        <translation>Scanning…</translation>
    </message>
    <message>
        <location filename="../pages/scor.py" line="241" />
        <source>Feuille de soins numérisée</source>
        <translation>Scanned care sheet</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="44" />
        <source>Délai de télétransmission (jours ouvrés)</source>
        <extracomment>(field, label, minimum, maximum) of the integer settings shown.</extracomment>
        <translation>Transmission deadline (working days)</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="50" />
        <source>Prévenir avant l'échéance (jours ouvrés)</source>
        <translation>Warn before the deadline (working days)</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="54" />
        <source>Alerte lot sans ARL après (jours)</source>
        <translation>Alert for a lot without ARL after (days)</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="55" />
        <source>Garantie de paiement (jours ouvrés)</source>
        <translation>Payment guarantee (working days)</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="73" />
        <source>Concentrateur de télétransmission</source>
        <translation>Transmission concentrator</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="77" />
        <location filename="../pages/settings.py" line="129" />
        <source>Adresse :</source>
        <translation>Address:</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="88" />
        <location filename="../pages/settings.py" line="211" />
        <source>Choisir le fichier</source>
        <translation>Choose the file</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="100" />
        <source>Délai de connexion :</source>
        <translation>Connection timeout:</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="103" />
        <source>Délais et alertes</source>
        <translation>Deadlines and alerts</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="118" />
        <source>Cabinet (en-tête des documents imprimés)</source>
        <translation>Practice (letterhead of printed documents)</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="122" />
        <source>ex. Cabinet médical des Tilleuls</source>
        <translation>e.g. Cabinet médical des Tilleuls</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="123" />
        <source>Nom du cabinet :</source>
        <translation>Practice name:</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="128" />
        <source>Rue
Code postal et ville</source>
        <translation>Street
Postcode and town</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="132" />
        <source>Téléphone :</source>
        <translation>Phone:</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="135" />
        <source>Imprimés sur les reçus, les feuilles de soins et les duplicata.</source>
        <translation>Printed on receipts, care sheets and duplicates.</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="139" />
        <source>Lecteurs de cartes</source>
        <translation>Card readers</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="148" />
        <source>Les lecteurs sont détectés automatiquement (PC/SC). Un lecteur bi-fente accepte la carte Vitale et la CPS dans l'une ou l'autre fente.</source>
        <translation>Readers are detected automatically (PC/SC). A dual-slot reader takes the Vitale card and the CPS in either slot.</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="156" />
        <source>Données</source>
        <translation>Data</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="161" />
        <source>Dossier des données :</source>
        <translation>Data directory:</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="166" />
        <source>Pour en changer, démarrez avec --data-dir ou la variable SESAM_DATA_DIR. Il contient des données de santé : accès réservé à l'utilisateur.</source>
        <translation>To change it, start with --data-dir or the SESAM_DATA_DIR variable. It holds health data: user access only.</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="174" />
        <source>Tarifs locaux :</source>
        <translation>Local tariffs:</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="179" />
        <source>Fichier CSV au format du référentiel (code;label;amount;…) : ses lignes priment sur le référentiel livré.</source>
        <translation>CSV file in the referential's format (code;label;amount;…): its rows override the shipped referential.</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="187" />
        <source>Sauvegardes :</source>
        <translation>Backups:</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="196" />
        <source>Enregistrer (Ctrl+Entrée)</source>
        <translation>Save (Ctrl+Enter)</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="220" />
        <source>Réglages par défaut.</source>
        <translation>Default settings.</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="236" />
        <source>Aucun lecteur détecté.</source>
        <translation>No reader detected.</translation>
    </message>
    <message>
        <location filename="../pages/settings.py" line="274" />
        <source>Réglages enregistrés.</source>
        <translation>Settings saved.</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="80" />
        <source>carte Vitale</source>
        <extracomment>The card found in a reader.</extracomment>
        <translation>Vitale card</translation>
    </message>
    <message>
        <source>carte CPS</source>
        <translation type="vanished">CPS card</translation>
    </message>
    <message>
        <location filename="../../client/labels.py" line="82" />
        <source>carte non reconnue</source>
        <translation>unknown card</translation>
    </message>
    <message>
        <location filename="../status.py" line="29" />
        <source>Lecteurs : recherche…</source>
        <translation>Readers: searching…</translation>
    </message>
    <message>
        <location filename="../status.py" line="31" />
        <location filename="../status.py" line="118" />
        <source>Aucun praticien</source>
        <translation>No practitioner</translation>
    </message>
    <message>
        <location filename="../status.py" line="33" />
        <source>File : —</source>
        <translation>Queue: —</translation>
    </message>
    <message>
        <location filename="../status.py" line="35" />
        <source>Réseau : —</source>
        <translation>Network: —</translation>
    </message>
    <message>
        <location filename="../status.py" line="91" />
        <source>Lecteurs : indisponibles</source>
        <translation>Readers: unavailable</translation>
    </message>
    <message>
        <location filename="../status.py" line="95" />
        <source>Aucun lecteur de cartes</source>
        <translation>No card reader</translation>
    </message>
    <message>
        <location filename="../status.py" line="96" />
        <source>Branchez un lecteur, ou démarrez le service pcscd.</source>
        <translation>Plug in a reader, or start the pcscd service.</translation>
    </message>
    <message>
        <location filename="../status.py" line="103" />
        <source>{what} (lecture…)</source>
        <translation>{what} (reading…)</translation>
    </message>
    <message>
        <location filename="../status.py" line="105" />
        <source>vide</source>
        <translation>empty</translation>
    </message>
    <message>
        <location filename="../status.py" line="121" />
        <source>Praticien : {name}</source>
        <translation>Practitioner: {name}</translation>
    </message>
    <message>
        <location filename="../status.py" line="141" />
        <source>File : {n} en attente</source>
        <translation>Queue: {n} waiting</translation>
    </message>
    <message>
        <location filename="../status.py" line="143" />
        <source>, {n} rejet(s)</source>
        <translation>, {n} reject(s)</translation>
    </message>
    <message>
        <location filename="../widgets/acts_table.py" line="27" />
        <source>Code</source>
        <translation>Code</translation>
    </message>
    <message>
        <location filename="../widgets/acts_table.py" line="28" />
        <source>Libellé</source>
        <translation>Label</translation>
    </message>
    <message>
        <location filename="../widgets/acts_table.py" line="29" />
        <source>Qté</source>
        <translation>Qty</translation>
    </message>
    <message>
        <location filename="../widgets/acts_table.py" line="30" />
        <source>Coef.</source>
        <translation>Coef.</translation>
    </message>
    <message>
        <location filename="../widgets/acts_table.py" line="31" />
        <source>ALD</source>
        <translation>ALD</translation>
    </message>
    <message>
        <location filename="../widgets/acts_table.py" line="32" />
        <source>Honoraires</source>
        <translation>Fees</translation>
    </message>
    <message>
        <location filename="../widgets/acts_table.py" line="33" />
        <source>Part AMO</source>
        <translation>AMO share</translation>
    </message>
    <message>
        <location filename="../widgets/acts_table.py" line="34" />
        <source>Règle</source>
        <translation>Rule</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_options.py" line="21" />
        <source>aucun</source>
        <translation>none</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_options.py" line="22" />
        <source>DE (exigence)</source>
        <translation>DE (patient request)</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_options.py" line="23" />
        <source>DA (autorisé)</source>
        <translation>DA (authorised)</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_options.py" line="24" />
        <source>DP (permanent)</source>
        <translation>DP (permanent)</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_options.py" line="25" />
        <source>ED (entente directe)</source>
        <translation>ED (direct agreement)</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_options.py" line="28" />
        <source>Exigence particulière du patient</source>
        <translation>Particular request of the patient</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_options.py" line="29" />
        <source>Dépassement autorisé plafonné</source>
        <translation>Authorised capped overrun</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_options.py" line="30" />
        <source>Dépassement permanent</source>
        <translation>Permanent overrun</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_options.py" line="31" />
        <source>Entente directe</source>
        <translation>Direct agreement</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_options.py" line="34" />
        <source>dans le parcours</source>
        <translation>within the care pathway</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_options.py" line="35" />
        <source>hors parcours</source>
        <translation>outside the pathway</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_options.py" line="36" />
        <source>accès direct</source>
        <translation>direct access</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_options.py" line="37" />
        <source>urgence</source>
        <translation>emergency</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_notices.py" line="58" />
        <source>Abandonner cette facture</source>
        <translation>Abandon this invoice</translation>
    </message>
    <message>
        <location filename="../widgets/act_entry.py" line="57" />
        <source>Code ou libellé de l'acte, puis Entrée (Ctrl+K)</source>
        <translation>Act code or label, then Enter (Ctrl+K)</translation>
    </message>
    <message>
        <location filename="../widgets/act_entry.py" line="71" />
        <source>Favoris :</source>
        <translation>Favourites:</translation>
    </message>
    <message>
        <location filename="../widgets/act_entry.py" line="75" />
        <source>Modifier…</source>
        <translation>Edit…</translation>
    </message>
    <message>
        <location filename="../widgets/act_entry.py" line="77" />
        <source>Favoris séparés par des virgules ; « G+MEG » ajoute les deux actes</source>
        <translation>Favourites separated by commas; “G+MEG” adds both acts</translation>
    </message>
    <message>
        <location filename="../widgets/acts_table.py" line="52" />
        <source>En rapport avec l'ALD (ordonnancier bizone) : seul cet acte est exonéré</source>
        <translation>Related to the ALD (two-zone prescription form): only this act is exempt</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_options.py" line="55" />
        <source>Dépassement :</source>
        <extracomment>The amounts under the acts, in their order on screen: (key, caption).</extracomment>
        <translation>Overrun:</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_options.py" line="73" />
        <source>Parcours :</source>
        <translation>Pathway:</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_options.py" line="79" />
        <source>Médecin traitant</source>
        <translation>Treating doctor</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_options.py" line="85" />
        <source>Téléconsultation</source>
        <translation>Teleconsultation</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_options.py" line="95" />
        <source>Paiement :</source>
        <translation>Payment:</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_options.py" line="102" />
        <source>Réglé par :</source>
        <translation>Paid by:</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_actions.py" line="38" />
        <source>Imprimer le reçu</source>
        <extracomment>The state line keeps its height whatever its text: the buttons never move.</extracomment>
        <translation>Print the receipt</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_actions.py" line="42" />
        <source>Mettre en attente (Ctrl+S)</source>
        <translation>Keep for later (Ctrl+S)</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_actions.py" line="46" />
        <source>Devis</source>
        <translation>Quote</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_actions.py" line="48" />
        <source>Chiffrer ces actes en devis (parts AMO, AMC, patient)</source>
        <translation>Price these acts as a quote (AMO, AMC and patient parts)</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_actions.py" line="50" />
        <source>Sécuriser la FSE (Ctrl+Entrée)</source>
        <translation>Secure the FSE (Ctrl+Enter)</translation>
    </message>
    <message>
        <location filename="../widgets/act_entry.py" line="130" />
        <source>Favoris</source>
        <translation>Favourites</translation>
    </message>
    <message>
        <location filename="../widgets/act_entry.py" line="132" />
        <source>Codes séparés par des virgules ; « + » pour une combinaison (ex. G+MEG) :</source>
        <translation>Codes separated by commas; “+” for a combination (e.g. G+MEG):</translation>
    </message>
    <message>
        <location filename="../widgets/act_entry.py" line="144" />
        <source>Favoris non enregistrés</source>
        <translation>Favourites not saved</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="274" />
        <source>est déjà sur cette facture</source>
        <extracomment>Kind of the referential entries that are consultations / acts (not majorations, IK): the same one twice for a patient on one day asks for a confirmation. What the securing waits for (the AMC's agreement), said from its worker thread.</extracomment>
        <translation>is already on this invoice</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="276" />
        <source>a déjà été facturé à ce patient ce jour-là</source>
        <translation>was already billed to this patient that day</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="283" />
        <source>ce patient</source>
        <translation>this patient</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="287" />
        <source>Même acte deux fois</source>
        <translation>Same act twice</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="289" />
        <source>Ajouter quand même</source>
        <translation>Add anyway</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="290" />
        <source>Ne pas ajouter</source>
        <translation>Do not add</translation>
    </message>
    <message>
        <location filename="../widgets/acts_table.py" line="92" />
        <source>En rapport avec l'ALD</source>
        <translation>Related to the ALD</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_options.py" line="143" />
        <source>Pas de tiers payant complémentaire : la complémentaire ne l'accepte pas.</source>
        <translation>No complementary third-party payment: the complementary insurer does not accept it.</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="404" />
        <source>Ce que le patient règle maintenant ({means})</source>
        <translation>What the patient pays now ({means})</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_actions.py" line="62" />
        <source>Choisissez le patient.</source>
        <translation>Choose the patient.</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_actions.py" line="66" />
        <source>Ajoutez les actes.</source>
        <translation>Add the acts.</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_actions.py" line="68" />
        <source>Corrigez les erreurs avant de sécuriser.</source>
        <translation>Fix the errors before securing.</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_actions.py" line="70" />
        <source>Prête : le praticien la sécurisera avec sa carte CPS.</source>
        <translation>Ready: the practitioner will secure it with his CPS card.</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_actions.py" line="72" />
        <source>Prête à sécuriser.</source>
        <translation>Ready to secure.</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="530" />
        <source>Sécurisation de la FSE…</source>
        <translation>Securing the FSE…</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_notices.py" line="23" />
        <source>Documents enregistrés : {names}.</source>
        <translation>Documents saved: {names}.</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_notices.py" line="68" />
        <source>à encaisser maintenant : {amount} ({means})</source>
        <translation>to collect now: {amount} ({means})</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_notices.py" line="72" />
        <source>rien à encaisser ({payment})</source>
        <translation>nothing to collect ({payment})</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_notices.py" line="73" />
        <source>FSE n° {number} sécurisée pour {name} — {money}.</source>
        <translation>FSE no. {number} secured for {name} — {money}.</translation>
    </message>
    <message>
        <source>Imprimé : {names}.</source>
        <translation type="vanished">Printed: {names}.</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_panel.py" line="601" />
        <source>Facture enregistrée : elle attend le praticien.</source>
        <translation>Invoice saved: it waits for the practitioner.</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_notices.py" line="83" />
        <source>{reason} : la facture de {name} ({codes}) est mise en attente sous son nom. Reprenez-la quand il revient, ou abandonnez-la.</source>
        <translation>{reason}: the invoice of {name} ({codes}) is put on hold under his name. Resume it when he comes back, or abandon it.</translation>
    </message>
    <message>
        <location filename="../widgets/invoice_notices.py" line="91" />
        <source>La facture n'a pas pu être mise en attente : {why}</source>
        <translation>The invoice could not be put on hold: {why}</translation>
    </message>
    <message>
        <location filename="../widgets/patient_lookup.py" line="49" />
        <source>Choisissez d'abord le patient dont il faut actualiser les droits.</source>
        <translation>First choose the patient whose rights to refresh.</translation>
    </message>
    <message>
        <location filename="../widgets/patient_lookup.py" line="52" />
        <location filename="../widgets/patient_panel.py" line="528" />
        <source>Interrogation ADRi…</source>
        <translation>Asking ADRi…</translation>
    </message>
    <message>
        <location filename="../widgets/beneficiary_text.py" line="17" />
        <source>assuré</source>
        <translation>insured</translation>
    </message>
    <message>
        <location filename="../widgets/beneficiary_text.py" line="18" />
        <source>ascendant</source>
        <translation>ascendant</translation>
    </message>
    <message>
        <location filename="../widgets/beneficiary_text.py" line="19" />
        <source>conjoint</source>
        <translation>spouse</translation>
    </message>
    <message>
        <location filename="../widgets/beneficiary_text.py" line="20" />
        <source>conjoint divorcé</source>
        <translation>divorced spouse</translation>
    </message>
    <message>
        <location filename="../widgets/beneficiary_text.py" line="21" />
        <source>concubin</source>
        <translation>partner</translation>
    </message>
    <message>
        <location filename="../widgets/beneficiary_text.py" line="22" />
        <source>conjoint séparé</source>
        <translation>separated spouse</translation>
    </message>
    <message>
        <location filename="../widgets/beneficiary_text.py" line="23" />
        <source>enfant</source>
        <translation>child</translation>
    </message>
    <message>
        <location filename="../widgets/beneficiary_text.py" line="24" />
        <source>bénéficiaire hors article 313</source>
        <translation>beneficiary (not article 313)</translation>
    </message>
    <message>
        <location filename="../widgets/beneficiary_text.py" line="25" />
        <source>veuf</source>
        <translation>widow(er)</translation>
    </message>
    <message>
        <location filename="../widgets/beneficiary_text.py" line="26" />
        <source>autre ayant droit</source>
        <translation>other dependant</translation>
    </message>
    <message>
        <location filename="../dialogs/rectify.py" line="43" />
        <source>Corriger et renvoyer la FSE n° %1</source>
        <translation>Correct and resend FSE no. %1</translation>
    </message>
    <message>
        <location filename="../dialogs/rectify.py" line="48" />
        <source>refusée par l'Assurance Maladie (ARL négatif)</source>
        <translation>refused by the Assurance Maladie (negative ARL)</translation>
    </message>
    <message>
        <location filename="../dialogs/rectify.py" line="50" />
        <source>rejetée par la caisse</source>
        <translation>rejected by the fund</translation>
    </message>
    <message>
        <location filename="../dialogs/rectify.py" line="68" />
        <location filename="../widgets/patient_panel.py" line="122" />
        <source>Date des soins :</source>
        <translation>Date of care:</translation>
    </message>
    <message>
        <location filename="../dialogs/rectify.py" line="71" />
        <source>Codes des actes séparés par des virgules, ex. : G, MEG</source>
        <translation>Act codes separated by commas, e.g.: G, MEG</translation>
    </message>
    <message>
        <location filename="../dialogs/rectify.py" line="73" />
        <source>Actes :</source>
        <translation>Acts:</translation>
    </message>
    <message>
        <location filename="../dialogs/rectify.py" line="74" />
        <source>tiers payant part obligatoire (AMO)</source>
        <translation>third-party payment, compulsory share (AMO)</translation>
    </message>
    <message>
        <location filename="../dialogs/rectify.py" line="76" />
        <source>tiers payant part complémentaire (AMC)</source>
        <translation>third-party payment, complementary part (AMC)</translation>
    </message>
    <message>
        <location filename="../dialogs/rectify.py" line="78" />
        <source>Tiers payant :</source>
        <translation>Third-party payment:</translation>
    </message>
    <message>
        <location filename="../dialogs/rectify.py" line="86" />
        <source>Code ApCV du patient (vide : SESAM sans Vitale par ADRi)</source>
        <translation>The patient's ApCV code (empty: SESAM without Vitale, by ADRi)</translation>
    </message>
    <message>
        <location filename="../dialogs/rectify.py" line="88" />
        <source>Nouveau code ApCV :</source>
        <translation>New ApCV code:</translation>
    </message>
    <message>
        <location filename="../dialogs/rectify.py" line="92" />
        <source>La FSE corrigée reçoit un nouveau numéro et part dans un nouveau lot ; la FSE n° %1 reste dans l'historique, marquée « rectifiée », et ne compte plus dans les totaux. Le patient est identifié par son NIR (sans carte Vitale).</source>
        <translation>The corrected FSE gets a new number and leaves in a new batch; FSE no. %1 stays in the history, marked “corrected”, and no longer counts in the totals. The patient is identified by their NIR (without a Vitale card).</translation>
    </message>
    <message>
        <location filename="../dialogs/rectify.py" line="98" />
        <source>La FSE corrigée reçoit un nouveau numéro et part dans un nouveau lot ; la FSE n° %1 reste dans l'historique, marquée « rectifiée », et ne compte plus dans les totaux.</source>
        <translation>The corrected FSE gets a new number and leaves in a new batch; FSE no. %1 stays in the history, marked “corrected”, and no longer counts in the totals.</translation>
    </message>
    <message>
        <source>Factures préparées à l'accueil, qui attendent la CPS</source>
        <translation>Invoices prepared at the reception, waiting for the CPS</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="83" />
        <source> — préparée par %1 le %2 à %3</source>
        <extracomment>How the patient was identified (goes with the FSE: SESAM-Vitale or SESAM dégradé). The patient being billed and how he was identified (the desk's typed invoice patient). Whom the list shows: a Vitale's bénéficiaire (or only its public zone, from a damaged card), a patient of the local file or typed by hand, or ADRi's answer. A line of the list: (source, person, the Vitale or the ApCV session he came with).</extracomment>
        <translation> — prepared by %1 on %2 at %3</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="127" />
        <source>Tapez la date (ex. 05122026) ou choisissez-la ; Ctrl+D</source>
        <translation>Type the date (e.g. 05122026) or choose it; Ctrl+D</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="143" />
        <source>Factures préparées ou mises en attente</source>
        <translation>Invoices prepared or put on hold</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="145" />
        <source>Reprendre (Ctrl+E)</source>
        <translation>Resume (Ctrl+E)</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="156" />
        <source>Insérez la carte Vitale, ou cherchez le patient.</source>
        <translation>Insert the Vitale card, or search for the patient.</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="177" />
        <source>Actualiser les droits (ADRi)</source>
        <translation>Refresh the rights (ADRi)</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="179" />
        <source>Ctrl+R</source>
        <translation>Ctrl+R</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="187" />
        <source>Nom du patient ou NIR (Ctrl+F)</source>
        <translation>Patient name or NIR (Ctrl+F)</translation>
    </message>
    <message>
        <location filename="../dialogs/without_card.py" line="68" />
        <location filename="../widgets/patient_panel.py" line="191" />
        <source>Mode dégradé</source>
        <translation>Degraded mode</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="195" />
        <source>Facturer sans carte Vitale : feuille de soins papier signée par le patient, puis numérisée (SCOR). Ctrl+Maj+D</source>
        <translation>Bill without the Vitale card: paper care sheet signed by the patient, then scanned (SCOR). Ctrl+Shift+D</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="208" />
        <source>Identifier par NIR (ADRi)… Ctrl+I</source>
        <translation>Identify by NIR (ADRi)… Ctrl+I</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="213" />
        <source>Nouveau patient… Ctrl+N</source>
        <translation>New patient… Ctrl+N</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="216" />
        <source>Saisir l'identité d'un patient sans carte (première visite, mode dégradé)</source>
        <translation>Enter the identity of a patient without a card (first visit, degraded mode)</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="351" />
        <source>Carte Vitale retirée. Insérez une carte, ou cherchez le patient.</source>
        <extracomment>Reason preset for the next dégradé (a Vitale that could not be read). The list holds names a damaged or public-only Vitale gave (Entrée completes them).</extracomment>
        <translation>Vitale card removed. Insert a card, or search for the patient.</translation>
    </message>
    <message>
        <location filename="../dialogs/without_card.py" line="37" />
        <source>Identifier le patient par son NIR</source>
        <translation>Identify the patient by his NIR</translation>
    </message>
    <message>
        <location filename="../dialogs/without_card.py" line="40" />
        <source>13 ou 15 chiffres</source>
        <translation>13 or 15 digits</translation>
    </message>
    <message>
        <location filename="../dialogs/without_card.py" line="69" />
        <source>Pourquoi facturer sans la carte Vitale ?</source>
        <translation>Why bill without the Vitale card?</translation>
    </message>
    <message>
        <location filename="../widgets/patient_panel.py" line="560" />
        <source>Mode dégradé ({reason}) : la feuille de soins sera imprimée pour signature.</source>
        <translation>Degraded mode ({reason}): the care form will be printed for signature.</translation>
    </message>
    <message>
        <location filename="../dialogs/patient.py" line="46" />
        <source>Nouveau patient</source>
        <translation>New patient</translation>
    </message>
    <message>
        <location filename="../dialogs/patient.py" line="55" />
        <source>15 caractères, clé comprise</source>
        <translation>15 characters, key included</translation>
    </message>
    <message>
        <location filename="../dialogs/patient.py" line="77" />
        <source>Nom :</source>
        <translation>Surname:</translation>
    </message>
    <message>
        <location filename="../dialogs/patient.py" line="78" />
        <source>Prénom :</source>
        <translation>First name:</translation>
    </message>
    <message>
        <location filename="../dialogs/patient.py" line="79" />
        <location filename="../dialogs/without_card.py" line="46" />
        <source>NIR de l'assuré :</source>
        <translation>Insured person's NIR:</translation>
    </message>
    <message>
        <location filename="../dialogs/patient.py" line="80" />
        <location filename="../dialogs/without_card.py" line="47" />
        <source>Date de naissance :</source>
        <translation>Date of birth:</translation>
    </message>
    <message>
        <location filename="../dialogs/patient.py" line="81" />
        <location filename="../dialogs/without_card.py" line="48" />
        <source>Rang de naissance :</source>
        <translation>Birth rank:</translation>
    </message>
    <message>
        <location filename="../dialogs/patient.py" line="82" />
        <source>Qualité :</source>
        <translation>Beneficiary type:</translation>
    </message>
    <message>
        <location filename="../dialogs/patient.py" line="83" />
        <source>Régime (2 chiffres) :</source>
        <translation>Scheme (2 digits):</translation>
    </message>
    <message>
        <location filename="../dialogs/patient.py" line="84" />
        <source>Caisse (3 chiffres) :</source>
        <translation>Fund (3 digits):</translation>
    </message>
    <message>
        <location filename="../dialogs/patient.py" line="85" />
        <source>Centre (4 chiffres) :</source>
        <translation>Centre (4 digits):</translation>
    </message>
    <message>
        <location filename="../dialogs/patient.py" line="95" />
        <source>Créer</source>
        <translation>Create</translation>
    </message>
    <message>
        <source>Mode dégradé choisi : la feuille de soins sera imprimée pour signature.</source>
        <translation>Degraded mode chosen: the care sheet will be printed for signature.</translation>
    </message>
    <message>
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
        <location filename="../widgets/practitioner_bar.py" line="82" />
        <source>Carte CPS absente (jeton PKCS#11{token}) : branchez-la ou insérez-la pour signer, le code porteur sera demandé.</source>
        <extracomment>The PKCS#11 token awaited (its name, "" unnamed); None: none awaited.</extracomment>
        <translation>CPS card absent (PKCS#11 token{token}): plug it in or insert it to sign, the PIN will be asked.</translation>
    </message>
    <message>
        <location filename="../widgets/practitioner_bar.py" line="88" />
        <source>Aucune carte CPS : insérez la carte du praticien pour signer.</source>
        <translation>No CPS card: insert the practitioner's card to sign.</translation>
    </message>
    <message>
        <location filename="../dialogs/close_remainder.py" line="31" />
        <source>Clore le reste dû de la FSE n° %1</source>
        <translation>Close the unpaid remainder of FSE no. %1</translation>
    </message>
    <message>
        <location filename="../dialogs/close_remainder.py" line="41" />
        <source>Reste dû non payé par la caisse : %1</source>
        <translation>Remainder not paid by the caisse: %1</translation>
    </message>
    <message>
        <location filename="../dialogs/close_remainder.py" line="45" />
        <source>Perte acceptée : plus rien n'est attendu</source>
        <translation>Accepted loss: nothing more is expected</translation>
    </message>
    <message>
        <location filename="../dialogs/close_remainder.py" line="48" />
        <source>Réclamé à la caisse : reste visible comme réclamé, avec la date</source>
        <translation>Claimed from the caisse: stays visible as claimed, with the date</translation>
    </message>
    <message>
        <location filename="../dialogs/close_remainder.py" line="54" />
        <source>Commentaire (facultatif) :</source>
        <translation>Comment (optional):</translation>
    </message>
    <message>
        <location filename="../dialogs/close_remainder.py" line="58" />
        <source>ex. : courrier envoyé à la caisse le …</source>
        <translation>e.g. letter sent to the caisse on …</translation>
    </message>
    <message>
        <location filename="../dialogs/restore.py" line="70" />
        <location filename="../dialogs/restore.py" line="202" />
        <source>Restaurer une sauvegarde</source>
        <translation>Restore a backup</translation>
    </message>
    <message>
        <location filename="../dialogs/restore.py" line="94" />
        <source>Date</source>
        <extracomment>Whether the window's sender is at work (a restore would pull the store from it). Asks the user to confirm (the question's text): a message box; tests replace it.</extracomment>
        <translation>Date</translation>
    </message>
    <message>
        <location filename="../dialogs/restore.py" line="94" />
        <source>Taille</source>
        <translation>Size</translation>
    </message>
    <message>
        <location filename="../dialogs/restore.py" line="94" />
        <source>Vérification</source>
        <translation>Check</translation>
    </message>
    <message>
        <location filename="../dialogs/restore.py" line="106" />
        <source>Vérification des sauvegardes…</source>
        <translation>Checking the backups…</translation>
    </message>
    <message>
        <location filename="../dialogs/restore.py" line="115" />
        <source>Autre fichier…</source>
        <translation>Other file…</translation>
    </message>
    <message>
        <location filename="../dialogs/restore.py" line="120" />
        <source>Restaurer la sauvegarde choisie…</source>
        <translation>Restore the chosen backup…</translation>
    </message>
    <message>
        <location filename="../dialogs/restore.py" line="127" />
        <location filename="../dialogs/puk.py" line="39" />
        <source>Fermer</source>
        <translation>Close</translation>
    </message>
    <message>
        <location filename="../dialogs/restore.py" line="155" />
        <source>vérifiée</source>
        <translation>checked</translation>
    </message>
    <message>
        <location filename="../dialogs/restore.py" line="155" />
        <source>refusée : {why}</source>
        <translation>refused: {why}</translation>
    </message>
    <message>
        <location filename="../dialogs/restore.py" line="169" />
        <source>Aucune sauvegarde dans {folder}. Choisissez un fichier de sauvegarde avec « Autre fichier… ».</source>
        <translation>No backup in {folder}. Choose a backup file with “Other file…”.</translation>
    </message>
    <message>
        <location filename="../dialogs/restore.py" line="177" />
        <source>{n} sauvegarde(s), dont {good} vérifiée(s). La plus récente est en haut.</source>
        <translation>{n} backup(s), {good} of them checked. The most recent is at the top.</translation>
    </message>
    <message>
        <location filename="../dialogs/restore.py" line="205" />
        <source>Restaurer</source>
        <translation>Restore</translation>
    </message>
    <message>
        <location filename="../dialogs/restore.py" line="215" />
        <location filename="../dialogs/restore.py" line="222" />
        <source>la sauvegarde du {when}</source>
        <translation>the backup of {when}</translation>
    </message>
    <message>
        <location filename="../dialogs/restore.py" line="228" />
        <source>Fichier de sauvegarde</source>
        <translation>Backup file</translation>
    </message>
    <message>
        <location filename="../dialogs/restore.py" line="230" />
        <source>Base sesam (*.db)</source>
        <translation>sesam database (*.db)</translation>
    </message>
    <message>
        <location filename="../dialogs/restore.py" line="241" />
        <source>Un envoi est en cours : attendez sa fin (page File d'attente), puis recommencez. Rien n'a été modifié.</source>
        <translation>A sending is in progress: wait for it to end (Queue page), then try again. Nothing was changed.</translation>
    </message>
    <message>
        <location filename="../dialogs/restore.py" line="247" />
        <source>Restaurer {what} ?

{explanation}

Les pages de l'application seront rechargées à partir de la base restaurée.</source>
        <translation>Restore {what}?

{explanation}

The application's pages will be reloaded from the restored database.</translation>
    </message>
    <message>
        <location filename="../dialogs/restore.py" line="256" />
        <source>Restauration en cours… Ne fermez pas l'application.</source>
        <translation>Restoring… Do not close the application.</translation>
    </message>
    <message>
        <location filename="../dialogs/restore.py" line="281" />
        <source> La base précédente est gardée : {path}.</source>
        <translation> The previous database is kept: {path}.</translation>
    </message>
    <message>
        <location filename="../dialogs/restore.py" line="287" />
        <source>Restauration faite à partir de {what}.</source>
        <translation>Restored from {what}.</translation>
    </message>
    <message>
        <location filename="../dialogs/puk.py" line="29" />
        <source>Carte CPS bloquée</source>
        <translation>CPS card blocked</translation>
    </message>
    <message>
        <location filename="../dialogs/puk.py" line="31" />
        <source>La carte CPS insérée dans « %1 » est bloquée : trois codes porteur faux ont été saisis. Vous pouvez la débloquer avec son code de déblocage (PUK, 8 chiffres, reçu avec la carte) et choisir un nouveau code porteur.</source>
        <translation>The CPS card inserted in “%1” is blocked: three wrong PINs were typed. You can unblock it with its unblocking code (PUK, 8 digits, received with the card) and choose a new PIN.</translation>
    </message>
    <message>
        <location filename="../dialogs/puk.py" line="56" />
        <source>Débloquer la carte CPS</source>
        <translation>Unblock the CPS card</translation>
    </message>
    <message>
        <location filename="../dialogs/puk.py" line="61" />
        <source>Carte CPS bloquée dans « %1 » : saisissez son code PUK et un nouveau code porteur.</source>
        <translation>CPS card blocked in “%1”: type its PUK and a new PIN.</translation>
    </message>
    <message>
        <location filename="../dialogs/puk.py" line="67" />
        <source>Code PUK</source>
        <translation>PUK</translation>
    </message>
    <message>
        <location filename="../dialogs/puk.py" line="68" />
        <source>Nouveau code porteur</source>
        <translation>New PIN</translation>
    </message>
    <message>
        <location filename="../dialogs/puk.py" line="69" />
        <source>Confirmation</source>
        <translation>Confirmation</translation>
    </message>
    <message>
        <location filename="../dialogs/puk.py" line="70" />
        <source>Code PUK (8 chiffres) :</source>
        <translation>PUK (8 digits):</translation>
    </message>
    <message>
        <location filename="../dialogs/puk.py" line="71" />
        <source>Nouveau code porteur (4 chiffres) :</source>
        <translation>New PIN (4 digits):</translation>
    </message>
    <message>
        <location filename="../dialogs/puk.py" line="72" />
        <source>Nouveau code porteur, à nouveau :</source>
        <translation>New PIN, again:</translation>
    </message>
    <message>
        <location filename="../dialogs/puk.py" line="83" />
        <source>Code PUK incorrect. Il reste %1 %2.</source>
        <translation>Wrong PUK. Attempts left: %1.</translation>
    </message>
    <message>
        <location filename="../dialogs/puk.py" line="92" />
        <source>Débloquer</source>
        <translation>Unblock</translation>
    </message>
    <message>
        <location filename="../dialogs/puk.py" line="116" />
        <source>Les deux nouveaux codes porteur diffèrent.</source>
        <translation>The two new PINs differ.</translation>
    </message>
    <message>
        <location filename="../pages/recette.py" line="112" />
        <location filename="../pages/recette.py" line="267" />
        <location filename="../widgets/fse_list.py" line="176" />
        <source>Tous les praticiens</source>
        <extracomment>FSE listed on screen at most (the totals count them all; the printed recette lists all).</extracomment>
        <translation>All practitioners</translation>
    </message>
    <message>
        <location filename="../pages/recette.py" line="113" />
        <source>Aujourd'hui</source>
        <translation>Today</translation>
    </message>
    <message>
        <location filename="../pages/recette.py" line="115" />
        <source>Afficher</source>
        <translation>Show</translation>
    </message>
    <message>
        <location filename="../pages/recette.py" line="118" />
        <source>Imprimer…</source>
        <translation>Print…</translation>
    </message>
    <message>
        <location filename="../pages/recette.py" line="122" />
        <source>Du</source>
        <translation>From</translation>
    </message>
    <message>
        <location filename="../pages/recette.py" line="123" />
        <location filename="../widgets/fse_list.py" line="158" />
        <source>au</source>
        <translation>to</translation>
    </message>
    <message>
        <location filename="../pages/recette.py" line="124" />
        <location filename="../widgets/fse_list.py" line="99" />
        <source>Praticien</source>
        <translation>Practitioner</translation>
    </message>
    <message>
        <location filename="../pages/recette.py" line="135" />
        <source>Chargement…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <location filename="../pages/recette.py" line="198" />
        <source>Recette {period} : {count} FSE, honoraires {fees}
Encaissé au cabinet {collected} · à encaisser {due} · tiers payant attendu {expected} (AMO {amo} des caisses, AMC {amc} des complémentaires)</source>
        <translation>Takings {period}: {count} FSE, fees {fees}
Collected at the practice {collected} · to collect {due} · third-party payment expected {expected} (AMO {amo} from the funds, AMC {amc} from the complementary insurers)</translation>
    </message>
    <message>
        <location filename="../pages/recette.py" line="215" />
        <source>Seules les {n} premières FSE sont listées ; les totaux les comptent toutes.</source>
        <translation>Only the first {n} FSE are listed; the totals count them all.</translation>
    </message>
    <message>
        <location filename="../pages/recette.py" line="239" />
        <source>Total encaissé</source>
        <translation>Total collected</translation>
    </message>
    <message>
        <location filename="../pages/recette.py" line="240" />
        <source>À encaisser</source>
        <translation>To collect</translation>
    </message>
    <message>
        <location filename="../pages/recette.py" line="290" />
        <source>Recette enregistrée : {path}</source>
        <translation>Takings saved: {path}</translation>
    </message>
    <message>
        <location filename="../pages/recette.py" line="291" />
        <source>Imprimer la recette</source>
        <translation>Print the takings</translation>
    </message>
    <message>
        <location filename="../widgets/apcv_entry.py" line="54" />
        <source>Code ApCV : scannez le QR code du téléphone, ou collez</source>
        <translation>ApCV code: scan the phone's QR code, or paste</translation>
    </message>
    <message>
        <location filename="../widgets/apcv_entry.py" line="57" />
        <source>Application carte Vitale : le lecteur (QR code ou NFC) tape le code puis Entrée ; en téléconsultation, collez le code que le patient vous transmet.</source>
        <translation>Carte Vitale app: the reader (QR code or NFC) types the code then Enter; in a teleconsultation, paste the code the patient sends you.</translation>
    </message>
    <message>
        <location filename="../widgets/apcv_entry.py" line="63" />
        <source>Image…</source>
        <translation>Image…</translation>
    </message>
    <message>
        <location filename="../widgets/apcv_entry.py" line="65" />
        <source>Lire le QR code ApCV dans une photo ou une capture</source>
        <translation>Read the ApCV QR code from a photo or a screenshot</translation>
    </message>
    <message>
        <location filename="../widgets/apcv_entry.py" line="68" />
        <source>Caméra</source>
        <translation>Camera</translation>
    </message>
    <message>
        <location filename="../widgets/apcv_entry.py" line="70" />
        <source>Lire le QR code ApCV du téléphone présenté à la caméra</source>
        <translation>Read the ApCV QR code of the phone held up to the camera</translation>
    </message>
    <message>
        <location filename="../widgets/apcv_entry.py" line="86" />
        <location filename="../widgets/apcv_entry.py" line="100" />
        <location filename="../widgets/apcv_entry.py" line="137" />
        <source>Ouverture de la session ApCV…</source>
        <translation>Opening the ApCV session…</translation>
    </message>
    <message>
        <location filename="../widgets/apcv_entry.py" line="115" />
        <source>Aucun QR code ApCV vu par la caméra : recommencez, ou ouvrez une photo avec « Image… ».</source>
        <translation>The camera saw no ApCV QR code: try again, or open a photo with “Image…”.</translation>
    </message>
    <message>
        <location filename="../widgets/apcv_entry.py" line="121" />
        <source>Présentez le QR code du téléphone à la caméra…</source>
        <translation>Hold the phone's QR code up to the camera…</translation>
    </message>
    <message>
        <location filename="../widgets/apcv_entry.py" line="143" />
        <source>Image du QR code ApCV</source>
        <translation>Image of the ApCV QR code</translation>
    </message>
    <message>
        <location filename="../widgets/apcv_entry.py" line="143" />
        <source>Images (*.png *.jpg *.jpeg *.bmp)</source>
        <translation>Images (*.png *.jpg *.jpeg *.bmp)</translation>
    </message>
    <message>
        <location filename="../widgets/amc_conventions.py" line="40" />
        <source>Conventions avec les complémentaires (AMC)</source>
        <extracomment>``Page.on_db``: run a store function on the database thread, a callback on the GUI's. A payment delay longer than a year is a typing error, not a convention.</extracomment>
        <translation>Agreements with complementary insurers (AMC)</translation>
    </message>
    <message>
        <location filename="../widgets/amc_conventions.py" line="47" />
        <source>N° AMC</source>
        <translation>AMC no.</translation>
    </message>
    <message>
        <location filename="../widgets/amc_conventions.py" line="48" />
        <source>Nom</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../widgets/amc_conventions.py" line="49" />
        <source>Convention</source>
        <translation>Agreement</translation>
    </message>
    <message>
        <location filename="../widgets/amc_conventions.py" line="50" />
        <source>Tiers payant</source>
        <translation>Third-party payment</translation>
    </message>
    <message>
        <location filename="../widgets/amc_conventions.py" line="51" />
        <source>Délai de paiement (jours)</source>
        <translation>Payment delay (days)</translation>
    </message>
    <message>
        <location filename="../widgets/amc_conventions.py" line="64" />
        <source>n° AMC</source>
        <translation>AMC no.</translation>
    </message>
    <message>
        <location filename="../widgets/amc_conventions.py" line="68" />
        <source>nom</source>
        <translation>name</translation>
    </message>
    <message>
        <location filename="../widgets/amc_conventions.py" line="71" />
        <source>convention</source>
        <translation>agreement</translation>
    </message>
    <message>
        <location filename="../widgets/amc_conventions.py" line="72" />
        <source>tiers payant</source>
        <translation>third-party payment</translation>
    </message>
    <message>
        <location filename="../widgets/amc_conventions.py" line="76" />
        <source>délai (jours), vide : %1</source>
        <translation>delay (days), empty: %1</translation>
    </message>
    <message>
        <location filename="../widgets/amc_conventions.py" line="86" />
        <source>Enregistrer la convention</source>
        <translation>Save the agreement</translation>
    </message>
    <message>
        <location filename="../widgets/amc_conventions.py" line="89" />
        <source>Supprimer</source>
        <translation>Delete</translation>
    </message>
    <message>
        <location filename="../widgets/amc_conventions.py" line="104" />
        <source>oui</source>
        <translation>yes</translation>
    </message>
    <message>
        <location filename="../widgets/amc_conventions.py" line="104" />
        <source>non</source>
        <translation>no</translation>
    </message>
    <message>
        <location filename="../widgets/amc_conventions.py" line="124" />
        <source>Le n° AMC a 8 chiffres (carte Vitale, attestation).</source>
        <translation>The AMC number has 8 digits (carte Vitale, certificate).</translation>
    </message>
    <message>
        <location filename="../widgets/amc_conventions.py" line="127" />
        <source>Indiquez le nom de la complémentaire et sa convention.</source>
        <translation>Give the complementary insurer's name and its agreement.</translation>
    </message>
    <message>
        <location filename="../widgets/amc_conventions.py" line="133" />
        <source>Le délai de paiement est un nombre de jours, de 1 à 365 (vide : par défaut).</source>
        <translation>The payment delay is a number of days, from 1 to 365 (empty: default).</translation>
    </message>
    <message>
        <location filename="../widgets/amc_conventions.py" line="144" />
        <source>Convention enregistrée.</source>
        <translation>Agreement saved.</translation>
    </message>
    <message>
        <location filename="../widgets/amc_conventions.py" line="153" />
        <source>Convention supprimée.</source>
        <translation>Agreement deleted.</translation>
    </message>
    <message>
        <location filename="../widgets/amc_conventions.py" line="157" />
        <source>%1 (par défaut)</source>
        <translation>%1 (default)</translation>
    </message>
    <message>
        <location filename="../pages/billing.py" line="43" />
        <source> (et %1 autre(s))</source>
        <extracomment>How often « Factures préparées » is read again (one small query): an invoice the reception addresses to the card already in appears within this delay (issue #26).</extracomment>
        <translation> (and %1 other(s))</translation>
    </message>
    <message>
        <location filename="../pages/billing.py" line="46" />
        <source>%1 facture(s) préparée(s) pour vous à signer : la première par %2 le %3 à %4 (%5)%6. Ouvrez-la dans « Factures préparées ».</source>
        <translation>%1 invoice(s) prepared for you to sign: the first one by %2 on %3 at %4 (%5)%6. Open it from “Prepared invoices”.</translation>
    </message>
    <message>
        <location filename="../pages/billing.py" line="52" />
        <source>la carte %1</source>
        <translation>card %1</translation>
    </message>
    <message>
        <source>%1 facture(s) préparée(s) pour vous à signer : la première par la carte %2 le %3 à %4 (%5)%6. Ouvrez-la dans « Factures préparées ».</source>
        <translation type="vanished">%1 invoice(s) prepared for you to sign: the first one by card %2 on %3 at %4 (%5)%6. Open it from “Prepared invoices”.</translation>
    </message>
    <message>
        <location filename="../pages/billing.py" line="56" />
        <source>actes à compléter</source>
        <translation>acts to complete</translation>
    </message>
    <message>
        <location filename="../../client/migration_progress.py" line="29" />
        <source>compression des documents</source>
        <extracomment>The steps' words, as the user reads them after « Mise à jour de la base : ».</extracomment>
        <translation>compressing the documents</translation>
    </message>
    <message>
        <location filename="../../client/migration_progress.py" line="30" />
        <source>compactage des données</source>
        <translation>compacting the data</translation>
    </message>
    <message>
        <location filename="../../client/migration_progress.py" line="31" />
        <source>compactage du journal</source>
        <translation>compacting the journal</translation>
    </message>
    <message>
        <location filename="../../client/migration_progress.py" line="32" />
        <source>conversion de l'historique des FSE</source>
        <translation>converting the FSE history</translation>
    </message>
    <message>
        <location filename="../../client/migration_progress.py" line="33" />
        <source>conversion des paiements</source>
        <translation>converting the payments</translation>
    </message>
    <message>
        <location filename="../../client/migration_progress.py" line="34" />
        <source>regroupement du journal</source>
        <translation>regrouping the journal</translation>
    </message>
</context>
</TS>