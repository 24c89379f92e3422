"""``protocol-checks new``: start a case file for a stage, with placeholders left to fill."""

from __future__ import annotations

import argparse
import json
import re

from protocol_checks.case import Modality, Stage
from protocol_checks.case_fields import PSEUDONYMOUS_PATTERN
from protocol_checks.exits import EXIT_BAD_INPUT, EXIT_OK
from protocol_checks.format_words import stage_words
from protocol_checks.identifiers import id_problem
from protocol_checks.names import display_name
from protocol_checks.protocols import followed_protocol
from protocol_checks.skeleton import new_case_id, skeleton
from protocol_checks.streams import Streams


def new(args: argparse.Namespace, streams: Streams) -> int:
    stage = _choice(Stage, args.stage, "--stage", streams)
    modality = _choice(Modality, args.modality, "--modality", streams) if args.modality else None
    if stage is None or (args.modality and modality is None):
        return EXIT_BAD_INPUT
    case_id = args.case_id or new_case_id()
    if not re.match(PSEUDONYMOUS_PATTERN, case_id):
        streams.say("protocol-checks: --case-id must look like CASE-0042 (capitals, a hyphen, "
                    "then digits or capitals)")
        return EXIT_BAD_INPUT
    if id_problem(case_id) is not None:
        streams.say("protocol-checks: --case-id looks like an NHS number or a name; choose a "
                    "pseudonymous code such as CASE-0042")
        return EXIT_BAD_INPUT
    protocol = followed_protocol()  # never a draft while a release is published
    text = json.dumps(skeleton(stage, modality, case_id, protocol), indent=2,
                      ensure_ascii=False) + "\n"
    if args.output in (None, "-"):
        streams.out.write(text)
        return EXIT_OK
    try:
        with open(args.output, "x", encoding="utf-8") as handle:  # never over an existing file
            handle.write(text)
    except FileExistsError:
        streams.say(f"protocol-checks: {display_name(args.output)} exists; a new case file is "
                    "never written over one")
        return EXIT_BAD_INPUT
    streams.say(f"wrote {display_name(args.output)}: case {case_id} at the {stage_words(stage)} "
                "stage; "
                f"run 'protocol-checks validate {display_name(args.output)}' to list what is "
                "left to fill")
    return EXIT_OK


def _choice(enum: type, value: str, option: str, streams: Streams):
    try:
        return enum(value)
    except ValueError:
        streams.say(f"protocol-checks: {option} must be one of: "
                    + ", ".join(m.value for m in enum))
        return None
