"""Protocol library: parse and validate the YAML files in ``protocols/`` into frozen dataclasses.

A protocol file (one per condition, id = file stem) is what FHIR calls a *PlanDefinition*: the case
facts it needs, and stages with an earliest start computed from those facts, techniques for the
clinic, a home programme, precautions and "stop and call us" signs. ``techniques.yaml`` holds the
shared technique library and the reusable sequences. The format is described for clinic staff in
``protocols/README.md``.

Every problem names the file, the key path and what was expected, and all problems of a file are
reported together. Nothing here imports Flask or SQLAlchemy or reads the clock; the only I/O is
reading the data files the caller points at.

This module gathers the public names; each job has its own module: ``protocol_model`` (the
dataclasses), ``yaml_checks`` (reading YAML, small checkers), ``techniques`` (techniques.yaml),
``protocol_files`` and ``protocol_stages`` (one protocol file), ``library_loading`` (folders, content
hash, the check report), ``protocol_outline`` (``clinic protocols show``) and ``wording`` (doses and
dates in words).
"""

from __future__ import annotations

from clinic.domain.library_loading import check_report, illustration_ids_in, load_library
from clinic.domain.protocol_model import (
    BODY_REGIONS,
    FACT_TYPES,
    PRESSURES,
    RESERVED_FILES,
    SIDES,
    TECHNIQUE_KINDS,
    CaseFact,
    ClinicDose,
    HomeDose,
    HomeExercise,
    Library,
    Option,
    Protocol,
    Sequence,
    SequenceStep,
    Source,
    Stage,
    StopSigns,
    Technique,
    TechniqueUse,
)
from clinic.domain.protocol_outline import outline
from clinic.domain.rules import DataFileError
from clinic.domain.wording import describe_clinic_dose, describe_home_dose, describe_start_rule

__all__ = [
    "BODY_REGIONS",
    "FACT_TYPES",
    "PRESSURES",
    "RESERVED_FILES",
    "SIDES",
    "TECHNIQUE_KINDS",
    "CaseFact",
    "ClinicDose",
    "DataFileError",
    "HomeDose",
    "HomeExercise",
    "Library",
    "Option",
    "Protocol",
    "Sequence",
    "SequenceStep",
    "Source",
    "Stage",
    "StopSigns",
    "Technique",
    "TechniqueUse",
    "check_report",
    "describe_clinic_dose",
    "describe_home_dose",
    "describe_start_rule",
    "illustration_ids_in",
    "load_library",
    "outline",
]
