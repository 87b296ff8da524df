"""The credit check's speed: python -m bench.credit_check (same as `creditdesk bench credit-check --json`)."""

from __future__ import annotations

import json
import sys

from creditdesk.entrypoints.bench.credit_check import run


def main() -> None:
    figures = run(progress=lambda message: print(f"{message}...", file=sys.stderr))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
