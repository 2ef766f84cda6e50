"""What to do after the caisse rejects an FSE or pays it in part, in a module of its own:
the alerts give these actions without loading the euro status' views and reads."""

from __future__ import annotations

#: What to do after a reject, per motif (project codes, ``billing.noemie.REJECT_MOTIFS``).
REJECT_ACTIONS: dict[str, str] = {
    "R01": "Vérifiez les droits du patient à la date des soins (carte Vitale à jour, ADRi) "
    "puis établissez une FSE rectificative, ou facturez le patient.",
    "R02": "Corrigez la cotation de l'acte puis établissez une FSE rectificative.",
    "R03": "La caisse a déjà payé cette facture : vérifiez le premier paiement, ne "
    "refacturez pas ; classez le reste dû en perte si le doublon est avéré.",
    "R04": "Vérifiez l'identité et l'immatriculation du patient (NIR, rang) puis établissez "
    "une FSE rectificative.",
    "R05": "Joignez ou corrigez la prescription (pièce justificative) puis établissez une "
    "FSE rectificative.",
}
DEFAULT_REJECT_ACTION = (
    "Lisez le motif de la caisse, corrigez la FSE puis établissez une FSE rectificative ; "
    "sinon réclamez le montant à la caisse ou classez-le en perte (« Clore le reste dû… »)."
)
PARTIAL_ACTION = (
    "Si la réduction est justifiée, classez le reste dû en perte acceptée ; sinon "
    "réclamez-le à la caisse (« Clore le reste dû… », sesam returns close)."
)
