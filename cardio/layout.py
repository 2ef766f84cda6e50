"""The card layouts this project reads: identifiers, files and tags of the carte Vitale
and of the CPx (CPS/CPE) card.

This module is the contract between the host readers (``cardio.vitale``, ``cardio.cps``)
and the testbed's emulated cards: both import these names, so the two sides cannot drift.
The public facts (ATRs, AIDs, SELECT MF, READ BINARY SFI 2, templates 65 with 80/81/82/93)
come from the field notes §4.1/§4.2; everything marked *project* is this project's
documented extension (``docs/cards/``), needed for billing and not published by the GIE.
"""

from __future__ import annotations

# --- carte Vitale 2 -------------------------------------------------------------------
VITALE_ATR = bytes.fromhex("3B 75 13 00 00 44 09 EA 90 00")
#: ATR prefix shared by the three Vitale 2 generations (43, 44, 45 in byte 6).
VITALE_ATR_PREFIX = bytes.fromhex("3B75130000")
VITALE_MF = bytes.fromhex("3F00")
VITALE_AID = bytes.fromhex("D250000002") + b"VITALE"
#: The application cardpeek's vitale_2.lua finds in the POINTERS map: the MF's name.
VITALE_MF_AID = bytes.fromhex("D250000002") + b"MF_VITALE"
#: EF POINTERS (cardpeek: selected by file id under VITALE): the map of applications and
#: files, E0 { A0 { 82 <entry> 00 00 <AID> ... } 80 <name 8> <entry> <EF id> ... }.
VITALE_EF_POINTERS = 0x2001
VITALE_EF_DIR = 0x2F00  # in MF_VITALE (cardpeek)
VITALE_EF_PAN = 0x2F02  # in MF_VITALE (cardpeek)
#: Entry ids of the two applications in POINTERS — project values.
VITALE_ENTRY_MF = bytes.fromhex("0001")
VITALE_ENTRY_VITALE = bytes.fromhex("0002")
#: File ids of the files read by SFI — project values (the public sources give none):
#: (DF, SFI) -> EF id, "MF" being MF_VITALE.
VITALE_FILE_IDS = {
    ("MF", 2): 0x2102,  # identities
    ("VITALE", 1): 0x2201,  # card and assuré
    ("VITALE", 2): 0x2202,  # NIRs
    ("VITALE", 3): 0x2203,  # rights
}

#: EF read with READ BINARY SFI 2 *under the MF*: identity of each bénéficiaire
#: (templates 65 holding NOM, PRENOM, NAISSANCE), readable without authentication.
VITALE_SFI_IDENTITY = 2
#: EFs read with READ BINARY SFI n *under the VITALE application*.
VITALE_SFI_NIR = 2  # templates 65 holding NIR (public) + project tags, same order as identity
VITALE_SFI_CARD = 1  # project: template 66 (card) and 67 (assuré, organism)
VITALE_SFI_RIGHTS = 3  # project: templates 68 (rights), one per bénéficiaire, same order

# template 65 (bénéficiaire)
TAG_BENEFICIAIRE = 0x65
TAG_NOM = 0x80
TAG_PRENOM = 0x81
TAG_NAISSANCE = 0x82  # AAAAMMJJ (ASCII); lunar dates may carry a day or month > 31/12
TAG_NATIONALITE = 0x90  # nationality (cardpeek's table), in the identity file
TAG_NIR = 0x93  # 13 characters + 2-character key (ASCII), "certified" NIR of the bénéficiaire
TAG_RANG = 0x84  # project: rang de naissance, "1".."9" (twins differ only by this)
TAG_QUALITE = 0x85  # project: qualité, 2 digits ("00" assuré, "02" conjoint, "06" enfant...)
TAG_NOM_USAGE = 0x86  # project: nom d'usage when it differs from the birth name

# template 66 (the card itself)
TAG_CARD = 0x66
TAG_CARD_VALID_FROM = 0x80  # AAAAMMJJ
TAG_CARD_VALID_TO = 0x81  # project: AAAAMMJJ, the card is not to be used after this date
TAG_CARD_SERIAL = 0x82  # project: 8 bytes, the serial that diversifies the certifying key
TAG_CARD_TYPE = 0x83  # project: "3" = Vitale 2 (card types of the GIE kit)

# template 67 (assuré and the organism that manages his rights) — project
TAG_ASSURE = 0x67
TAG_ASSURE_NIR = 0x80  # 13 characters
TAG_ASSURE_NIR_KEY = 0x81  # 2 digits
TAG_REGIME = 0x82  # 2 digits, e.g. "01" régime général
TAG_CAISSE = 0x83  # 3 digits, caisse gestionnaire
TAG_CENTRE = 0x84  # 4 digits, centre gestionnaire
TAG_CODE_GESTION = 0x85  # 2 digits

# template 68 (rights of one bénéficiaire, same order as the 65 templates) — project
TAG_RIGHTS = 0x68
TAG_AMO_PERIOD = 0xA0  # constructed: 80 start AAAAMMJJ, 81 end AAAAMMJJ (0 to 3)
TAG_COVERAGE = 0xA1  # constructed: 80 start, 81 end, 82 kind, 83 ALD/situation code (0 to 7)
TAG_AMC = 0xA2  # constructed: 80 organism id, 81 member number, 82 start, 83 end,
#                  84 contract type, 85 tiers payant "1"/"0", 86 gestion "U"/"S",
#                  87 tiers payant services "CON,TEC,DEN" (0 or 1) — docs/formats/amc-card.md
TAG_PERIOD_START = 0x80
TAG_PERIOD_END = 0x81
TAG_COVERAGE_KIND = 0x82
TAG_COVERAGE_CODE = 0x83
TAG_AMC_ORGANISM = 0x80
TAG_AMC_MEMBER = 0x81
TAG_AMC_START = 0x82
TAG_AMC_END = 0x83
TAG_AMC_CONTRACT = 0x84
TAG_AMC_TIERS_PAYANT = 0x85
TAG_AMC_GESTION = 0x86  # "U" gestion unique, "S" gestion séparée (absent: séparée)
TAG_AMC_TP_SERVICES = 0x87  # comma-separated AmcService codes (absent: every service)

#: Coverage kinds stored under tag 82 of a coverage period.
COVERAGE_ALD = "ALD"  # exonération du ticket modérateur (affection de longue durée)
COVERAGE_MATERNITY = "MAT"
COVERAGE_AT_MP = "ATMP"
COVERAGE_C2S = "C2S"

#: INTERNAL AUTHENTICATE P2 values (signature identifiers of the GIE kit: SIG_AMO, SIG_AMC).
VITALE_SIG_AMO = 0x01
VITALE_SIG_AMC = 0x02
#: Length of the value by which the card certifies a 32-byte digest.
VITALE_CERTIFICATION_LENGTH = 8

# --- CPx (CPS, CPE, ...) IAS-ECC ------------------------------------------------------
CPS_ATR = bytes.fromhex("3B AC 00 40 2A 00 12 25 00 64 80 00 03 10 00 90 00")
#: OpenSC's mask for the CPx ATR (bytes that vary between issues are zero).
CPS_ATR_MASK = bytes.fromhex("FF 00 00 00 00 FF FF FF FF FF FF 00 00 00 FF FF FF")
CPS_AID = bytes.fromhex("E828BD080F8025000001FF0010")
#: "CPX IAS CL" (contactless interface), listed in EF.DIR.
CPS_AID_CL = bytes.fromhex("E828BD080F8025000001FF0020")

#: The IAS-ECC file system of a CPx (OpenSC card-iasecc.c / ef-atr.c / dir.c, PR #2217,
#: issues #2223 and #2275): MF, EF.ATR, EF.DIR and EF.SN.ICC under the MF, the CPX IAS
#: application as DF 0001 under the MF.
CPS_MF = bytes.fromhex("3F00")
CPS_EF_ATR = bytes.fromhex("2F01")
CPS_EF_DIR = bytes.fromhex("2F00")
CPS_EF_SN = bytes.fromhex("D003")  # EF.SN.ICC: 5A <card number, BCD>
CPS_SFI_EF_ATR = 0x1D
CPS_SFI_EF_DIR = 0x1E
CPS_SFI_EF_SN = 0x1C
CPS_DF_APP = bytes.fromhex("0001")
CPS_APP_LABEL = "CPX IAS"
#: PKCS#15 under the application: ODF and TokenInfo have their standard ids; the
#: directory files and certificate files have ids of this project's choosing.
CPS_FILE_ODF = bytes.fromhex("5031")
CPS_FILE_TOKENINFO = bytes.fromhex("5032")
CPS_FILE_AODF = bytes.fromhex("4401")  # project id
CPS_FILE_PRKDF = bytes.fromhex("4402")  # project id
CPS_FILE_CDF = bytes.fromhex("4403")  # project id
CPS_FILE_CERT_SIG = bytes.fromhex("E001")  # project id: certificate of CPS_PRIV_SIG
CPS_FILE_CERT_AUT = bytes.fromhex("E002")  # project id: certificate of CPS_PRIV_AUT
#: Files of the CPx application holding billing data — project layout (a real CPS3 keeps
#: its business data in a format the ANS does not publish).
CPS_FILE_IDENTITY = bytes.fromhex("D001")  # template A0
CPS_FILE_SITUATIONS = bytes.fromhex("D002")  # one template A1 per situation d'exercice
#: Key references (MSE SET tag 84, PrKDF keyReference) and labels (issue OpenSC #2267).
CPS_KEY_SIG = 0x81  # CPS_PRIV_SIG: non-repudiation, PSO COMPUTE DIGITAL SIGNATURE
CPS_KEY_AUT = 0x82  # CPS_PRIV_AUT: authentication, INTERNAL AUTHENTICATE
CPS_KEY_SIG_LABEL = "CPS_PRIV_SIG"
CPS_KEY_AUT_LABEL = "CPS_PRIV_AUT"
#: PKCS#15 object ids of the two keys (and of their certificates): the AID then 01 / 02.
CPS_KEY_SIG_ID = CPS_AID + b"\x01"
CPS_KEY_AUT_ID = CPS_AID + b"\x02"

#: IAS-ECC security data objects (GET DATA 00 CB 3F FF, 4D { 70 { BF class ref, tag } }).
SDO_CLASS_CHV = 0x01
SDO_CLASS_RSA_PRIVATE = 0x10
SDO_TAG_DOCP = 0xA0
SDO_TAG_CHV = 0x7F41
SDO_TAG_PRIVATE_KEY = 0x7F48
DOCP_TRIES_MAX = 0x9A
DOCP_TRIES_LEFT = 0x9B
DOCP_SIZE = 0x80
DOCP_ACLS = 0xA1
DOCP_ACLS_CONTACT = 0x8C
#: MSE SET P1 and control reference templates; algorithm references (IAS-ECC).
MSE_SET = 0x41
CRT_DST = 0xB6
CRT_AT = 0xA4
CRT_HT = 0xAA
ALGO_RSA_PKCS = 0x02
ALGO_SHA256 = 0x40
ALGO_RSA_PKCS_SHA256 = 0x42

#: PIN reference (VERIFY P2), PIN length and padding as on IAS-ECC CPx cards.
CPS_PIN_REFERENCE = 0x01
CPS_PIN_LENGTH = 4
CPS_PIN_BLOCK_LENGTH = 8
CPS_PIN_PADDING = 0xFF
CPS_PIN_MAX_TRIES = 3
CPS_PUK_LENGTH = 8

# template A0 (card holder)
TAG_CPS_HOLDER = 0xA0
TAG_CPS_CARD_TYPE = 0x80  # "0" CPS, "1" CPF, "2" CPE, "3" CPA, "4" CPM (SSV group 1)
TAG_CPS_ID_TYPE = 0x81  # "8" RPPS, "0" ADELI
TAG_CPS_ID = 0x82  # national identifier
TAG_CPS_ID_KEY = 0x83
TAG_CPS_CIVILITE = 0x84  # "22" Docteur, "31" Monsieur, "32" Madame (SSV table)
TAG_CPS_NOM = 0x85
TAG_CPS_PRENOM = 0x86
TAG_CPS_SERIAL = 0x87  # card serial number

# template A1 (situation d'exercice)
TAG_CPS_SITUATION = 0xA1
TAG_SIT_NUMBER = 0x80  # logical number of the situation, "1".."n"
TAG_SIT_MODE = 0x81  # mode d'exercice: "0" libéral, "1" salarié, "4" remplaçant
TAG_SIT_STATUS = 0x82  # statut d'exercice
TAG_SIT_SECTOR = 0x83  # secteur conventionnel: "1", "1DP", "2"
TAG_SIT_STRUCTURE = 0x84  # structure (cabinet / établissement) identifier
TAG_SIT_BILLING_NUMBER = 0x85  # numéro de facturation AM, 8 digits
TAG_SIT_BILLING_KEY = 0x86  # its key, 1 digit
TAG_SIT_REPLACEMENT_NUMBER = 0x87  # numéro du remplaçant (8 digits + key), remplaçant only
TAG_SIT_CONVENTION_CODE = 0x88  # code conventionnel
TAG_SIT_SPECIALTY = 0x89  # CNAM specialty, 2 digits ("01" médecine générale)
TAG_SIT_PRICE_ZONE = 0x8A  # zone tarifaire
TAG_SIT_IK_ZONE = 0x8B  # zone IK
TAG_SIT_MAY_SIGN_FSE = 0x8C  # "1" / "0"
TAG_SIT_MAY_SIGN_LOT = 0x8D  # "1" / "0"
TAG_SIT_STRUCTURE_NAME = 0x8E  # raison sociale of the cabinet (shown to the user)
TAG_SIT_OPTAM = 0x8F  # "1" when the practitioner adheres to OPTAM / OPTAM-CO

CPS_CARD_TYPES = {"0": "CPS", "1": "CPF", "2": "CPE", "3": "CPA", "4": "CPM"}

# --- instructions and status words ----------------------------------------------------
INS_SELECT = 0xA4
INS_READ_BINARY = 0xB0
INS_GET_RESPONSE = 0xC0
INS_VERIFY = 0x20
INS_RESET_RETRY_COUNTER = 0x2C
INS_PSO = 0x2A
INS_INTERNAL_AUTHENTICATE = 0x88
INS_GET_DATA = 0xCB
INS_MSE = 0x22
#: PSO COMPUTE DIGITAL SIGNATURE: P1 P2 = 9E 9A, no data (the hash comes from PSO HASH).
PSO_CDS_P1P2 = (0x9E, 0x9A)
#: PSO HASH: P1 P2 = 90 A0, data 90 <intermediate hash + bit counter> 80 <last block>.
PSO_HASH_P1P2 = (0x90, 0xA0)
TAG_HASH_STATE = 0x90
TAG_HASH_LAST_BLOCK = 0x80

SW_OK = 0x9000
SW_WRONG_LENGTH = 0x6700
SW_SECURITY_NOT_SATISFIED = 0x6982
SW_PIN_BLOCKED = 0x6983
SW_CONDITIONS_NOT_SATISFIED = 0x6985
SW_FILE_NOT_FOUND = 0x6A82
SW_REFERENCE_NOT_FOUND = 0x6A88
SW_WRONG_P1P2 = 0x6B00
SW_WRONG_DATA = 0x6A80
SW_INCORRECT_P1P2 = 0x6A86
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00
SW_NO_PRECISE_DIAGNOSIS = 0x6F00
SW_END_OF_FILE = 0x6282  # fewer bytes than Le before the end of the file
