"""The shared vocabulary of requirement topics (`område NAME`), kept as data in
grammar/topics.json so that it ships in the wheel and regions share one list.

Every region's rulebook tags each requirement with one of these, so that
rulebooks can be compared area by area; `kok check` warns about a topic outside
the list. Keep it short: add a topic only when no existing one fits. (JSON,
not YAML, because `kok check` reads it on every run and should not pay for
importing a YAML parser.)"""

from __future__ import annotations

import functools
import json

from kokdsl.resources import data_dir


@functools.cache
def vocabulary() -> dict[str, dict[str, str]]:
    """topic name -> {"sv": label, "en": label}, in the file's order."""
    with open(data_dir("grammar") / "topics.json", encoding="utf-8") as handle:
        topics: dict[str, dict[str, str]] = json.load(handle)
    return topics


def label(topic: str, lang: str = "sv") -> str:
    return vocabulary().get(topic, {}).get(lang, topic)
