"""The command line: one module per command group; options declared once in ``options.py``."""
