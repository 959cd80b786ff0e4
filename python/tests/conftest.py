"""pytest configuration for the qsim Python tests.

The qsim package is normally installed in the venv (``pip install -e
python``).  ``python/`` of this checkout also goes first on ``sys.path``: the
tests then run from a plain checkout too, and always test this checkout's
package even when the venv's editable install points at another clone.
"""

import sys
from pathlib import Path

_PYTHON_DIR = Path(__file__).resolve().parents[1]
if str(_PYTHON_DIR) not in sys.path:
    sys.path.insert(0, str(_PYTHON_DIR))
