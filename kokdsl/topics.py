"""The shared vocabulary of requirement topics (`område NAME`), kept as data in
grammar/topics.yaml so that it ships in the wheel and regions share one list."""

from __future__ import annotations

import functools

import yaml

from kokdsl.resources import data_dir


@functools.cache
def vocabulary() -> dict[str, dict[str, str]]:
    """topic name -> {"sv": label, "en": label}, in the file's order."""
    with open(data_dir("grammar") / "topics.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def label(topic: str, lang: str = "sv") -> str:
    return vocabulary().get(topic, {}).get(lang, topic)
