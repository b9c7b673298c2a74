"""Synthetic rulebooks of any size, for the parse + compile benchmark.

A rulebook of N requirements has N/10 groups. Each group declares its own ten
facts (so the fact table grows with the book, as in a real one) and ten
requirements, one per template below, which together use every construct of
the language the Örebro book uses: täcker, timmar, om/annars, antal, alla,
ingen, summa, mängd membership, gäller om, percentages, dates and text.
Deterministic: the same N gives the same text. 20,000 requirements make a
book of just under 5 MB, the largest a rulebook may be.
"""

from __future__ import annotations

TOPICS = ("bemanning", "tillgänglighet", "jour", "samordning", "kontinuitet", "filial", "digitala_tjänster",
          "information", "uppföljning", "samverkan", "ersättning")

HEADER = '''# Syntetisk regelbok för prestandamätningen (bench/rulebook_gen.py). Inga verkliga krav.
regelbok "Syntetisk regelbok med {n} krav" utgåva 2025
  giltig från 2025-01-01
  källa "bench/rulebook_gen.py"

post rad:
  namn: text "Radens namn."
  nivå: en av {{låg, hög}} "Nivå."
  godkänd: ja/nej "Godkänd?"
  del: heltal "Del av helheten."
  helhet: heltal "Helheten."
'''

FACTS = '''
uppgift öppet_{g}: veckoschema "Öppettider, grupp {g}."
uppgift bemannat_{g}: veckoschema "Bemannade tider, grupp {g}."
uppgift antal_{g}: heltal "Antal, grupp {g}."
uppgift andel_{g}: procent "Andel, grupp {g}."
uppgift finns_{g}: ja/nej "Finns det, grupp {g}?"
uppgift uppdrag_{g}: mängd av {{a, b, c}} "Uppdrag, grupp {g}."
uppgift rader_{g}: lista av rad "Rader, grupp {g}."
uppgift belopp_{g}: decimaltal "Belopp, grupp {g}."
uppgift datum_{g}: datum "Datum, grupp {g}."
uppgift namn_{g}: text "Namn, grupp {g}."
'''

CHECKS = (
    "bemannat_{g} täcker öppet_{g}",
    "timmar(öppet_{g}) >= (40 om antal_{g} < 6500 annars 45)",
    "antal(rader_{g}) >= 1",
    "alla r i rader_{g}: r.nivå = hög",
    "finns_{g}",
    "gäller om a i uppdrag_{g}\n  alla r i rader_{g}: r.namn = namn_{g} och r.godkänd",
    "gäller om b i uppdrag_{g}\n  ingen r i rader_{g}: r.godkänd",
    "antal(rader_{g}) >= 1\n    och summa(r i rader_{g}: r.del) >= 90 % * summa(r i rader_{g}: r.helhet)",
    "andel_{g} >= 75 %",
    "antal_{g} > 0 och belopp_{g} > 0 och datum_{g} >= 2025-01-01",
)

REQUIREMENT = '''
krav {g}.{k} "Krav {k} i grupp {g}" {modality}
  område {topic}
  källa "Syntetiskt krav {g}.{k}"
  """Ett syntetiskt krav för mätningen."""
  {check}
'''


def synthetic_rulebook(requirements: int) -> str:
    """The source text of a rulebook with `requirements` requirements (a multiple of 10)."""
    if requirements <= 0 or requirements % len(CHECKS):
        raise ValueError(f"requirements must be a positive multiple of {len(CHECKS)}")
    parts = [HEADER.format(n=requirements)]
    for g in range(1, requirements // len(CHECKS) + 1):
        parts.append(FACTS.format(g=g))
        parts.append(f'\nkapitel "Grupp {g}"\n  """Syntetiska krav, grupp {g}."""\n')
        for k, check in enumerate(CHECKS, start=1):
            parts.append(REQUIREMENT.format(g=g, k=k, modality="skall" if k % 2 else "bör",
                                            topic=TOPICS[(g + k) % len(TOPICS)], check=check.format(g=g)))
    return "".join(parts)
