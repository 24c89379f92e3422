"""Executable checklists for the outpatient treatment protocol.

The version below is the single source of the protocol's version number: the package, the
handbook and every case file (``protocol_version``) use it.
"""

__version__ = "1.0.0"
PROTOCOL_VERSION = __version__
