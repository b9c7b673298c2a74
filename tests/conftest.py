import sys
from pathlib import Path

# Let tests import the shared golden-case helpers.
sys.path.insert(0, str(Path(__file__).resolve().parent))
