"""`make demo` (placeholder until apply lands): validate the example manifests."""

from __future__ import annotations

import subprocess
import sys

print("$ reconciler validate specs/", flush=True)
sys.exit(subprocess.call([sys.executable, "-m", "reconciler", "validate", "specs/"]))
