"""``python -m graphkit.cli``."""
from .main import main

main()
