"""What changed between two protocol releases, read from their ledgers (never written by hand).

The same list feeds ``protocol-checks changes OLD NEW`` and each release's "what changed for
staff" page in the handbook: items added, removed or reworded; rules added or withdrawn; changes
of severity, stage, source paragraphs or messages; settings; case-file fields added or removed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from protocol_checks.release import Settings
from protocol_checks.rules import REGISTRY


@dataclass(frozen=True)
class Change:
    kind: str  # "item" | "rule" | "setting" | "field"
    subject: str  # an item or rule ID, a setting or a field name
    what: str  # "added", "removed", "reworded", "withdrawn", "severity", "stage", ...
    old: Any = None
    new: Any = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def sentence(self) -> str:
        """One line a clinician can read (IDs, protocol wording and values, no case data)."""
        label = {"item": "Item", "rule": "Rule", "setting": "Setting", "field": "Case-file field"}
        head = f"{label[self.kind]} {self.subject}"
        if self.what == "withdrawn" and self.new:
            return f"{head} withdrawn ({self.old}); replaced by {show(self.new)}"
        if self.what == "past events":
            return (f"{head}: a recorded, reviewed deviation may now settle these findings "
                    f"about past events: {show(self.new)}")
        if self.what in ("added", "removed", "withdrawn"):
            text = f": {self.new}" if self.what == "added" and isinstance(self.new, str) else ""
            return f"{head} {self.what}{text}"
        if self.what == "named":
            return (f"{head} named as a setting: {show(self.new)} (the earlier release's "
                    f"unnamed equivalent: {show(self.old)})")
        if self.what in ("reworded", "message", "retitled"):
            return f"{head} {self.what}: now \u201c{self.new}\u201d (was \u201c{self.old}\u201d)"
        return f"{head}: {self.what} {show(self.old)} \u2192 {show(self.new)}"


def show(value: Any) -> str:
    """A value of a change as a reader sees it: lists joined, nothing as "none"."""
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return "none" if value is None else str(value)


def _stated(ledger: dict[str, Any]) -> dict[str, str]:
    """What each ``{setting}`` placeholder reads as under the ledger's release (a setting an
    older ledger does not name reads as its default, which is what that release did)."""
    settings = Settings.model_validate(ledger["settings"])
    return {name: settings.value_text(name) for name in Settings.model_fields}


def _text(template: str, values: dict[str, str]) -> str:
    try:
        return template.format_map(values)
    except (KeyError, ValueError, IndexError):
        return template  # a placeholder this tool does not know: show it as recorded


def _items(ledger: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    values = _stated(ledger)
    return {i["id"]: (c["id"], {**i, "text": _text(i["text"], values)})
            for c in ledger["checklists"] for i in c["items"]}


def _item_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    before, after = _items(old), _items(new)
    out = [Change("item", i, "added", None, after[i][1]["text"]) for i in after if i not in before]
    out += [Change("item", i, "removed", before[i][1]["text"]) for i in before if i not in after]
    for item_id in (i for i in after if i in before):
        (was_list, was), (now_list, now) = before[item_id], after[item_id]
        if was["text"] != now["text"]:
            out.append(Change("item", item_id, "reworded", was["text"], now["text"]))
        if was_list != now_list:
            out.append(Change("item", item_id, "checklist", was_list, now_list))
        for key, what in (("check", "checked by"), ("source", "source"), ("when", "applies")):
            if was.get(key) != now.get(key):
                out.append(Change("item", item_id, what, was.get(key), now.get(key)))
    return out


def _rule_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    before, after = old["rules"], new["rules"]
    out = [Change("rule", r, "added", None, f"{after[r]['title']} ({after[r]['severity']})")
           for r in after if r not in before]
    out += [Change("rule", r, "withdrawn", before[r]["title"], _replacements(r, after))
            for r in before if r not in after]
    old_values, new_values = _stated(old), _stated(new)
    for rule_id in (r for r in after if r in before):
        was, now = before[rule_id], after[rule_id]
        if was["title"] != now["title"]:
            out.append(Change("rule", rule_id, "retitled", was["title"], now["title"]))
        for key in ("severity", "stage", "paragraphs"):
            if was[key] != now[key]:
                out.append(Change("rule", rule_id, key, was[key], now[key]))
        if was.get("past_events", []) != now.get("past_events", []):
            out.append(Change("rule", rule_id, "past events",
                              _past_messages(was, old_values), _past_messages(now, new_values)))
        for key in sorted({"", *was["variants"], *now["variants"]}):
            then = was["message"] if not key else was["variants"].get(key)
            later = now["message"] if not key else now["variants"].get(key)
            then = then and _text(then, old_values)
            later = later and _text(later, new_values)
            if then != later and later is not None:
                out.append(Change("rule", rule_id, "message", then, later))
    return out


def _past_messages(recorded: dict[str, Any], values: dict[str, str]) -> list[str]:
    """The messages a rule treats as past events, as staff read them."""
    return [_text(recorded["variants"][v] if v else recorded["message"], values)
            for v in recorded.get("past_events", [])]


def _replacements(rule_id: str, after: dict[str, Any]) -> list[str]:
    """The rules of the newer release that took over a withdrawn rule's checks (from the rule
    code, which keeps every withdrawn rule)."""
    code = REGISTRY.get(rule_id)
    return [r for r in (code.replaced_by if code else ()) if r in after]


def _fields(schema: dict[str, Any]) -> set[str]:
    """Every property of every object in the schema, as ``Object.field``."""
    out = {f"CaseFile.{p}" for p in schema.get("properties", {})}
    for name, definition in schema.get("$defs", {}).items():
        out |= {f"{name}.{p}" for p in definition.get("properties", {})}
    return out


def between(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every change from ledger ``old`` to ledger ``new``, items first."""
    out = _item_changes(old, new) + _rule_changes(old, new)
    old_values, new_values = _stated(old), _stated(new)
    for key in sorted(set(old["settings"]) | set(new["settings"])):
        if key not in old["settings"]:
            out.append(Change("setting", key, "named", old_values.get(key), new_values.get(key)))
        elif old["settings"].get(key) != new["settings"].get(key):
            out.append(Change("setting", key, "value", old_values.get(key),
                              new_values.get(key)))
    was, now = _fields(old["schema"]), _fields(new["schema"])
    out += [Change("field", f, "added") for f in sorted(now - was)]
    out += [Change("field", f, "removed") for f in sorted(was - now)]
    return out


def _required(schema: dict[str, Any]) -> set[str]:
    out = {f"CaseFile.{p}" for p in schema.get("required", [])}
    for name, definition in schema.get("$defs", {}).items():
        out |= {f"{name}.{p}" for p in definition.get("required", [])}
    return out


def incompatible(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Schema changes that would make a case kept under ``old`` invalid under ``new``: a field
    removed, or a field made required. Within a major release only optional fields are added."""
    was, now = old["schema"], new["schema"]
    removed = sorted(_fields(was) - _fields(now))
    required = sorted(_required(now) - _required(was) - (_fields(now) - _fields(was)))
    added_required = sorted(f for f in _required(now) - _required(was) if f not in _fields(was)
                            and f.split(".")[0] in {x.split(".")[0] for x in _fields(was)})
    return ([f"{f} removed" for f in removed] + [f"{f} now required" for f in required]
            + [f"{f} added as required" for f in added_required])
