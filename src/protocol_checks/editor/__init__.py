"""``protocol-checks edit CASE.json``: a local page that edits one case file as a form.

Kept apart from the validator's core, and imported only by the ``edit`` command, so other
commands never load it. :mod:`.saving` opens and saves the file, :mod:`.api` answers the page
with the validator's own findings, :mod:`.server` serves the page on the loopback interface,
:mod:`.command` runs it, :mod:`.options` defines the command line. The page itself
(``static/``) is plain JavaScript written for this project: no third-party code is served.
"""
