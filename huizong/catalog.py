"""The form versions huizong knows: the bundled ones and any under ``<home>/forms``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from huizong.errors import FormError, suggest
from huizong.formfile import load_form
from huizong.forms import Form
from huizong.periods import Period

BUNDLED_FORMS = Path(__file__).resolve().parent.parent / "schemas" / "forms"


class FormCatalog:
    """Every form version found under the given directories (earlier directories win)."""

    def __init__(self, directories: Sequence[Path]) -> None:
        self.forms: dict[str, Form] = {}
        for directory in directories:
            for path in sorted(directory.glob("*/*.toml")):
                form = load_form(path)
                self.forms.setdefault(form.key, form)

    def get(self, key: str) -> Form:
        if key in self.forms:
            return self.forms[key]
        raise FormError(f"没有表式 {key!r} (unknown form){suggest(key, self.forms)}；可用：{', '.join(self.forms)}")

    def choose(self, period: Period, family: str | None = None) -> Form:
        """The form for a period: ``family/version`` exactly, or the version of ``family`` whose years fit."""
        if family and "/" in family:
            return self.get(family)
        fitting = [f for f in self.forms.values() if f.fits(period) and (family is None or f.id == family)]
        families = sorted({f.id for f in fitting})
        if family is None and "annual_report" in families and period.kind == "year":
            families = ["annual_report"]
        known = ", ".join(self.forms)
        if not families:
            raise FormError(f"没有适用于报告期 {period} 的表式{f'（{family}）' if family else ''}；已有：{known}")
        if len(families) > 1:
            raise FormError(f"报告期 {period} 有多个适用的表式（{', '.join(families)}），请用 --form 指定")
        return max((f for f in fitting if f.id == families[0]), key=lambda f: f.version)
