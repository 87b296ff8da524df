"""A what-if's result file appears whole: the page polling for it never reads half of it."""

from __future__ import annotations

import json
from pathlib import Path

from creditdesk.entrypoints.web.policy_pages import _write_whole


def test_the_result_replaces_the_file_whole_and_leaves_no_part_behind(tmp_path: Path) -> None:
    target = tmp_path / "job.json"
    target.write_text('{"old": tru', encoding="utf-8")  # what a reader saw mid-write before
    before = target.stat().st_ino
    _write_whole(target, json.dumps({"rows": list(range(10_000))}))
    assert json.loads(target.read_text(encoding="utf-8"))["rows"][-1] == 9_999
    assert target.stat().st_ino != before  # a new file put in place, not the old one written over
    assert [p.name for p in tmp_path.iterdir()] == ["job.json"]
