"""The commented starting profile ``protocol-checks profile new`` prints.

Generated from the protocol's own data (the settings with their bounds and base values, the
terms a service may rename, the checklists local items may join), so it cannot offer a change
the profile model would refuse, or miss one it allows.
"""

from __future__ import annotations

from protocol_checks.profile import PROFILE_NAME, TERM_NAMES
from protocol_checks.protocols import followed_protocol
from protocol_checks.release import Settings


def _yaml_value(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def starting_profile() -> str:
    protocol = followed_protocol()
    settings = protocol.release.settings
    lines = [
        f"# {PROFILE_NAME}: this service's adaptation of the protocol (see the handbook's",
        "# how-to 'Adopting the protocol'). Keep it beside the case files; the validator finds",
        "# it in the case files' folder or a parent. Every change needs a rationale and an",
        "# author (a role or a pseudonymous staff ID, never a name). Uncomment what you change.",
        f"base_release: {protocol.release.version}",
        "service:",
        "  name: Example Forensic Outpatient Service",
        "  document_control:",
        "    reference: EXAMPLE-CP-01",
        "    owner: Clinical lead, Example Forensic Outpatient Service",
        "    approved_by: To be completed (the committee that approves the local edition)",
        "    # date_approved: 2027-01-31",
        "    # next_review: 2028-01-31",
        "",
        "# Local names for roles and terms (the base name is shown):",
        "terms:",
    ]
    lines += [f"#  {t}: {{name: ..., rationale: ..., author: ...}}  # base: "
              f"{t.replace('_', ' ')}" for t in TERM_NAMES]
    lines += ["", "# Service settings, within the bounds the protocol states (base value shown):",
              "settings:"]
    lines += [f"#  {name}: {{value: {_yaml_value(getattr(settings, name))}, rationale: ..., "
              f"author: ...}}  # base {settings.value_text(name)}; allowed {Settings.allowed(name)}"
              for name in Settings.model_fields if name in settings.model_fields_set]
    lines += ["", "# Severities may only be tightened (advice to warning, warning to error):",
              "severities:",
              "#  ROLE-007: {severity: error, rationale: ..., author: ...}",
              "", "# The agencies the service shares risk information with (P4):",
              "agencies:",
              "#  - {name: ..., kind: police, rationale: ..., author: ...}",
              "", "# Escalation contacts, as roles (never a person's name or number):",
              "escalation:",
              "#  - {situation: risk disclosed out of hours, contact: on-call consultant "
              "psychiatrist, rationale: ..., author: ...}",
              "", "# Local items are attestations, each citing a local policy. Checklists: "
              + ", ".join(c.id for c in protocol.checklists),
              "local_items:",
              "#  - {id: LD-1, checklist: during-treatment, text: ..., policy: ..., "
              "rationale: ..., author: ...}",
              "", "# The team's command defaults (a flag given on the command line wins):",
              "defaults:",
              "#  fail_on: warning",
              "#  format: text",
              "#  handbook_url: https://intranet.example.org/protocol/",
              "#  exclude: [drafts/**]", ""]
    return "\n".join(lines)
