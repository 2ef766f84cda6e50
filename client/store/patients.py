"""The local patient file: patients already billed here, found by name or NIR (the desk's
« patient sans carte » search)."""

from __future__ import annotations

from dataclasses import dataclass

from client.store.connection import Repository


@dataclass(frozen=True, slots=True)
class PatientMatch:
    """A patient row with the organism of his last FSE ("" when he has none)."""

    id: str
    last_name: str
    first_name: str
    birth_date: str
    assure_nir: str
    assure_nir_key: str
    beneficiary_nir: str
    beneficiary_nir_key: str
    rang: str
    qualite: str
    regime: str
    caisse: str
    centre: str


# The two constant clauses a search may use; values are always parameters.
_BY_NIR = (
    "(p.assure_nir || p.assure_nir_key) LIKE ? OR "
    "(p.beneficiary_nir || p.beneficiary_nir_key) LIKE ?"
)
_BY_NAME = "UPPER(p.last_name) LIKE ? OR UPPER(p.first_name) LIKE ?"


class PatientSearch(Repository):
    """Patients by the start of their name or NIR."""

    def starting_with(self, needle: str, *, digits: bool, limit: int) -> list[PatientMatch]:
        """Patients whose NIR (``digits``) or name (upper case ``needle``) starts with it."""
        where = _BY_NIR if digits else _BY_NAME
        sql = (
            "SELECT p.*, f.regime, f.caisse, f.centre FROM patients p "  # noqa: S608
            "LEFT JOIN fse f ON f.id = (SELECT MAX(id) FROM fse WHERE patient_id = p.id) "
            f"WHERE {where} ORDER BY p.last_name, p.first_name LIMIT ?"
        )
        return [
            PatientMatch(
                id=str(r["id"]),
                last_name=str(r["last_name"]),
                first_name=str(r["first_name"]),
                birth_date=str(r["birth_date"]),
                assure_nir=str(r["assure_nir"]),
                assure_nir_key=str(r["assure_nir_key"]),
                beneficiary_nir=str(r["beneficiary_nir"] or ""),
                beneficiary_nir_key=str(r["beneficiary_nir_key"] or ""),
                rang=str(r["rang"]),
                qualite=str(r["qualite"]),
                regime=str(r["regime"] or ""),
                caisse=str(r["caisse"] or ""),
                centre=str(r["centre"] or ""),
            )
            for r in self.db.query(sql, [needle + "%", needle + "%", limit])
        ]
