"""Sphinx configuration for the handbook (sources in docs/, built with ``-c .``)."""

from protocol_checks.release import working_release

project = "Outpatient treatment protocol for people who have committed sexual offences"
author = "Protocol handbook team"
copyright = "2026, the protocol handbook team"
# The handbook's version is the protocol release it describes (not the tool's version).
version = release = working_release().version

extensions = ["myst_parser", "sphinx_design", "protocol_checks.sphinxext"]

myst_enable_extensions = ["colon_fence", "deflist", "substitution", "fieldlist", "attrs_inline"]
myst_heading_anchors = 3
myst_substitutions = {"version": version}

protocol_examples_dir = "examples/cases"
# Document control. The release number, status, dates and what it supersedes are not set here:
# they come from the release data (releases/releases.yaml), so each release carries its own.
protocol_document = {
    "title": "Outpatient treatment for people who have committed sexual offences: protocol and checklists",
    "reference": "CP-OSO-001",
    "author": "Protocol handbook team",
    "owner": "Clinical lead, specialist outpatient service",
    # The base handbook is a template: the adopting service fills these in for its own copy.
    "approved_by": "To be completed by the adopting service (this template is approved by no one)",
    "date_approved": "To be completed by the adopting service",
}

exclude_patterns = ["_build", "**/snippets/**", "reference/bench-results.md"]
templates_path = ["docs/_templates"]
html_static_path = ["docs/_static"]
html_css_files = ["handbook.css"]
html_js_files = ["print-open.js", "print-one.js", "table-labels.js"]
html_favicon = "docs/_static/favicon.svg"
html_title = f"Outpatient treatment protocol, release {version}"
html_theme = "pydata_sphinx_theme"
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
html_theme_options = {
    "footer_start": ["doc-control"],
    "footer_center": [],
    "footer_end": ["copyright"],
    "navbar_end": ["theme-switcher"],
    "navbar_persistent": ["search-button"],
    "secondary_sidebar_items": ["page-toc"],
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "show_prev_next": True,
    "icon_links": [],
    "logo": {"text": "Treatment protocol"},
}
# Pages with no section below them get no primary sidebar (it would only say "Section
# Navigation" over nothing); wide tables (checklists, glossary, the path at a glance) get the room.
_NO_SECTION_NAV = ["index", "at-a-glance", "checklists/index", "context", "glossary", "sources",
                   "releases", "adaptations", "changelog"]
html_sidebars = {"**": ["sidebar-nav-bs"], **{page: [] for page in _NO_SECTION_NAV}}
# A first-time visitor has no stored colour mode; without a default the theme's head script sets an
# empty mode and logs "Got invalid theme mode". "auto" follows the visitor's system setting.
html_context = {"default_mode": "auto"}
nitpicky = True
