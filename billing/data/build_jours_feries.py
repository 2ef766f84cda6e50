"""Regenerates ``jours_feries.json`` from the ``holidays`` package (issue #27).

Run by hand when the package is upgraded or the years must be extended::

    .venv/bin/python -m billing.data.build_jours_feries [FIRST LAST]

The file keeps France's public holidays for metropolitan France and, per subdivision the
package knows, the days it adds: ``billing.working_days`` reads it instead of importing the
package (~50–80 ms at each ``sesam`` command that counts working days).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

FILE = Path(__file__).with_name("jours_feries.json")
FIRST_YEAR, LAST_YEAR = 2015, 2040

SOURCE = (
    "Jours fériés légaux : Code du travail L3133-1 ; Alsace-Moselle (57, 67, 68) : L3134-13 "
    "(Vendredi saint, 26 décembre) ; outre-mer : L3422-2 et décret n° 83-1003 (abolition "
    "de l'esclavage) et les textes propres à chaque collectivité. Dates tirées du paquet "
    "Python « holidays » (version indiquée), catégorie « public »."
)


def build(first: int, last: int) -> dict[str, object]:
    """The file's content: metropolitan days, then each subdivision's additions."""
    import holidays
    from holidays.countries import France

    years = range(first, last + 1)

    def days(subdivision: str | None) -> dict[date, str]:
        calendar = holidays.country_holidays("FR", subdiv=subdivision, years=years, language="fr")
        return dict(sorted(calendar.items()))

    metropole = days(None)
    subdivisions: dict[str, dict[str, str]] = {}
    for code in France.subdivisions:
        own = days(code)
        # The format lists additions only: a subdivision without a metropolitan day
        # would need another one.
        if missing := set(metropole) - set(own):
            raise SystemExit(f"{code} n'a pas {sorted(missing)} : format à revoir")
        subdivisions[code] = {d.isoformat(): n for d, n in own.items() if d not in metropole}
    return {
        "source": SOURCE,
        "holidays_version": holidays.__version__,
        "generated_on": date.today().isoformat(),
        "first_year": first,
        "last_year": last,
        "metropole": {d.isoformat(): n for d, n in metropole.items()},
        "subdivisions": subdivisions,
    }


def main(argv: list[str]) -> int:
    first, last = (int(argv[0]), int(argv[1])) if len(argv) == 2 else (FIRST_YEAR, LAST_YEAR)
    content = json.dumps(build(first, last), ensure_ascii=False, indent=1)
    FILE.write_text(content + "\n", encoding="utf-8")
    print(f"{FILE} : {first}–{last}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
