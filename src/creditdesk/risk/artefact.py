"""Versioned model artefacts: the fitted model and the metadata that says what it is.

A folder holds ``model.joblib`` and ``metadata.json``: the kind and parameters of the model,
its features and target, the SHA-256 of the training data and of the model file, the rows
and period it was trained on, its validation metrics, the creation time and the versions of
the libraries that fitted it. Loading checks the model file against its recorded digest, so
a damaged or swapped file is refused rather than used. (joblib files are pickles: load only
artefacts your own team wrote.)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import joblib
import pandas as pd

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
REFERENCE_FILE = "reference.csv.gz"  # a sample of the training features: the baseline of drift (PSI)
LIBRARIES = ("scikit-learn", "lightgbm", "optbinning", "numpy", "pandas")


class ArtefactError(ValueError):
    """A folder that is not a usable artefact: missing files, or a model that fails its digest."""


@dataclass(frozen=True, slots=True)
class ArtefactMetadata:
    kind: str
    features: list[str]
    target: str
    training_rows: int
    data_sha256: str
    params: dict[str, Any]
    metrics: dict[str, float] = field(default_factory=dict)
    period: tuple[str, str] | None = None
    created_at: str = ""
    model_sha256: str = ""
    libraries: dict[str, str] = field(default_factory=dict)
    reference_sha256: str = ""
    format: int = 1
    # What each column of the training file was (risk.column_plan); empty for a table of numbers.
    columns: dict[str, Any] = field(default_factory=dict)
    left_out: dict[str, str] = field(default_factory=dict)  # column -> why it is not a feature
    # Protected attributes: the patterns, those left out, those allowed and why.
    protected: dict[str, Any] = field(default_factory=dict)
    scale: dict[str, Any] = field(default_factory=dict)  # {"kind": "master"|"quantile", "upper_bounds": […]}
    cv: dict[str, Any] = field(default_factory=dict)  # cross-validated figures, folds and seed


def data_digest(frame: pd.DataFrame) -> str:
    """SHA-256 of a table's content (values, column names and order), independent of its file."""
    hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()
    return hashlib.sha256(hashed + json.dumps(list(map(str, frame.columns))).encode()).hexdigest()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _versions() -> dict[str, str]:
    found = {}
    for name in LIBRARIES:
        try:
            found[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            continue
    return found


def save(model: Any, folder: Path, meta: ArtefactMetadata, reference: pd.DataFrame | None = None) -> ArtefactMetadata:
    """Write the model and its metadata; the folder must be new or empty (artefacts are immutable)."""
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise ArtefactError(f"{folder} is not empty; an artefact is never overwritten, write a new version")
    joblib.dump(model, folder / MODEL_FILE)
    if reference is not None:
        reference.to_csv(folder / REFERENCE_FILE, index=False)
    stamped = ArtefactMetadata(
        **{
            **asdict(meta),
            "created_at": meta.created_at or datetime.now(UTC).isoformat(timespec="seconds"),
            "model_sha256": _sha256(folder / MODEL_FILE),
            "libraries": _versions(),
            "reference_sha256": _sha256(folder / REFERENCE_FILE) if reference is not None else "",
        }
    )
    (folder / METADATA_FILE).write_text(json.dumps(asdict(stamped), indent=1, sort_keys=True), encoding="utf-8")
    return stamped


def load(folder: Path) -> tuple[Any, ArtefactMetadata]:
    model_path, meta_path = folder / MODEL_FILE, folder / METADATA_FILE
    if not model_path.is_file() or not meta_path.is_file():
        raise ArtefactError(f"{folder} is not a model artefact: expected {MODEL_FILE} and {METADATA_FILE}")
    try:
        raw = json.loads(meta_path.read_text(encoding="utf-8"))
        if raw.get("period") is not None:
            raw["period"] = tuple(raw["period"])
        meta = ArtefactMetadata(**raw)
    except (json.JSONDecodeError, TypeError) as error:
        raise ArtefactError(f"{meta_path}: unreadable metadata ({error})") from None
    if _sha256(model_path) != meta.model_sha256:
        raise ArtefactError(f"{model_path} does not match the digest in its metadata; refusing to load it")
    return joblib.load(model_path), meta


def load_reference(folder: Path, meta: ArtefactMetadata) -> pd.DataFrame | None:
    """The training sample kept for drift checks, when the artefact has one (digest-checked)."""
    path = folder / REFERENCE_FILE
    if not meta.reference_sha256 or not path.is_file():
        return None
    if _sha256(path) != meta.reference_sha256:
        raise ArtefactError(f"{path} does not match the digest in its metadata")
    # Categories read back as the text they were fitted on ("01" stays "01", never the number 1).
    categories = {c["name"]: str for c in meta.columns.get("columns", ()) if c.get("role") == "categorical"}
    return pd.read_csv(path, dtype=categories)
