"""The templates the service ships: the default CMDI IIAF (the nine domains of DOMAIN.md, DTAC
sections 1-4 as gates for digital projects) and a NASSS complexity template.

Plain import documents (`cmdi-framework-template/1`), loaded by `python -m
assessment_service.seed_templates` and by `make demo` through the public API. The weights are the
pilot's starting point; governance staff change them by cloning a new version, not here. One
module per template (`iiaf.py`, `nasss.py`).
"""

from __future__ import annotations

from assessment_service.frameworks.defaults.iiaf import IIAF, IIAF_NAME
from assessment_service.frameworks.defaults.nasss import NASSS, NASSS_NAME
from assessment_service.frameworks.defaults.parts import Json

__all__ = ["DEFAULT_TEMPLATES", "IIAF", "IIAF_NAME", "NASSS", "NASSS_NAME"]

DEFAULT_TEMPLATES: list[Json] = [IIAF, NASSS]
