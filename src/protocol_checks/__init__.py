"""Executable checklists for the outpatient treatment protocol.

``__version__`` is the tool's version (this Python package). The protocol's releases, which
case files declare, are data of their own (``releases/releases.yaml``): a fix to the tool is a
new tool version and the same protocol release.
"""

__version__ = "2026.12.4"
