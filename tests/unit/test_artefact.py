"""Artefacts round-trip with their metadata, are never overwritten, and refuse a changed model."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from creditdesk.risk.artefact import ArtefactError, ArtefactMetadata, data_digest, load, save
from creditdesk.risk.scorecard import Scorecard
from tests.unit.test_scorecard import sample


def test_round_trip_and_tamper_check(tmp_path: Path) -> None:
    X, y = sample(1500)
    model = Scorecard().fit(X, y)
    meta = ArtefactMetadata(
        kind="scorecard",
        features=list(X.columns),
        target="default",
        training_rows=len(X),
        data_sha256=data_digest(X.assign(default=y)),
        params=model.get_params(),
        metrics={"auc": 0.76},
        period=("2025-01-01", "2025-12-31"),
    )
    stamped = save(model, tmp_path / "v1", meta)
    assert len(stamped.model_sha256) == 64 and stamped.created_at and "scikit-learn" in stamped.libraries
    loaded, read = load(tmp_path / "v1")
    assert read == stamped
    assert np.allclose(loaded.predict_proba(X.head(20)), model.predict_proba(X.head(20)))
    with pytest.raises(ArtefactError, match="never overwritten"):
        save(model, tmp_path / "v1", meta)
    (tmp_path / "v1" / "model.joblib").write_bytes(b"not the model")
    with pytest.raises(ArtefactError, match="digest"):
        load(tmp_path / "v1")
    with pytest.raises(ArtefactError, match="not a model artefact"):
        load(tmp_path / "missing")


def test_data_digest_sees_content_not_storage() -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": [0.5, 0.25]})
    assert data_digest(frame) == data_digest(frame.copy())
    assert data_digest(frame) != data_digest(frame.assign(b=[0.5, 0.26]))
    assert data_digest(frame) != data_digest(frame[["b", "a"]])
