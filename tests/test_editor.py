"""``protocol-checks edit``: the local case editor, its server, saving, and the page in Chromium.

The server is started in this process on a free port (a thread), except where the command
itself is under test (a subprocess, stopped by SIGTERM or SIGINT). The browser tests drive
Debian's /usr/bin/chromium through Playwright, as tests/test_browser.py does: skipped when it
is missing, failed when CI=true.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from browser_support import Recorder, axe_failures, chromium

from protocol_checks import cli
from protocol_checks.case import CaseFile
from protocol_checks.editor import saving
from protocol_checks.editor.api import EditorApi
from protocol_checks.editor.saving import CaseSession, canonical_bytes, ordered
from protocol_checks.editor.server import EditorServer

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "examples" / "cases"
REFERRAL = CASES / "clean" / "referral-new.json"
FAILING = CASES / "failing"
COMMAND = Path(sys.executable).with_name("protocol-checks")
MARKER = "Marker-note-7f3a9 kept only in the case file"


# --------------------------------------------------------------------------- helpers


@contextmanager
def running(path: Path, profile: str | None = None) -> Iterator[EditorServer]:
    """An editor for ``path`` served from a thread of this process."""
    server = EditorServer(EditorApi(CaseSession.open(str(path)), profile=profile))
    thread = threading.Thread(target=server.serve_forever, name="editor", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def ask(server: EditorServer, method: str, route: str, body: Any = None, *,
        token: str | bool | None = True, host: str | None = None,
        headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    port = server.server_address[1]
    if token is True:
        token = server.token
    if token:
        route += ("&" if "?" in route else "?") + f"token={token}"
    sent = {"Host": f"127.0.0.1:{port}" if host is None else host, **(headers or {})}
    data = None
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        sent.setdefault("Content-Type", "application/json")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, route, body=data, headers=sent)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def ask_json(server: EditorServer, method: str, route: str, body: Any = None) -> tuple[int, Any]:
    status, _, raw = ask(server, method, route, body)
    return status, json.loads(raw)


@pytest.fixture
def referral(tmp_path: Path) -> Path:
    path = tmp_path / "CASE-0101.json"
    shutil.copyfile(REFERRAL, path)
    return path


def _expected(path: Path) -> set[tuple[str, str, str]]:
    lines = path.with_suffix(".expected").read_text(encoding="utf-8").splitlines()[1:]
    return {tuple(line.split()) for line in lines}  # type: ignore[misc]


def _label(finding: dict[str, Any]) -> str:
    return "deviation" if finding["deviation"] else "waived" if finding["waived"] \
        else finding["severity"]


# --------------------------------------------------------------------------- access


ROUTES = ["/", "/static/editor.js", "/static/editor.css", "/api/schema", "/api/case"]


def test_every_route_needs_the_token(referral: Path) -> None:
    with running(referral) as server:
        for route in ROUTES:
            assert ask(server, "GET", route)[0] == 200, route
            assert ask(server, "GET", route, token=None)[0] == 403, route
            assert ask(server, "GET", route, token="x" + server.token[1:])[0] == 403, route
        before = referral.read_bytes()
        status, _, _ = ask(server, "POST", "/api/save", {"base": "", "case": {}}, token="nope")
        assert status == 403
        assert ask(server, "POST", "/api/check", {"case": {}}, token=None)[0] == 403
        # The token may come in a header instead of the URL (the page sends it so).
        assert ask(server, "GET", "/api/case", token=None,
                   headers={"X-Editor-Token": server.token})[0] == 200
    assert referral.read_bytes() == before


def test_a_request_naming_another_host_is_refused(referral: Path) -> None:
    with running(referral) as server:
        port = server.server_address[1]
        for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1:{port + 1}",
                     f"127.0.0.1.nip.io:{port}", f"[::1]:{port}", ""):
            assert ask(server, "GET", "/api/case", host=host)[0] == 421, host
        assert ask(server, "GET", "/api/case", host=f"localhost:{port}")[0] == 200
        assert ask(server, "POST", "/api/check", {"case": {}},
                   headers={"Origin": "http://evil.example"})[0] == 403


def test_only_the_loopback_interface_is_bound(referral: Path) -> None:
    with running(referral) as server:
        assert server.server_address[0] == "127.0.0.1"
        port = server.server_address[1]
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks an interface
            outward = probe.getsockname()[0]
        except OSError:
            outward = "127.0.0.1"
        finally:
            probe.close()
        if not outward.startswith("127."):
            with pytest.raises(OSError):
                socket.create_connection((outward, port), timeout=2).close()


def test_only_get_and_post_and_strict_headers(referral: Path) -> None:
    with running(referral) as server:
        for method in ("PUT", "DELETE", "PATCH", "OPTIONS"):
            assert ask(server, method, "/api/case")[0] == 405, method
        for route in ROUTES:
            _, headers, _ = ask(server, "GET", route)
            assert headers["Content-Security-Policy"] == "default-src 'self'; frame-ancestors 'none'"
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert headers["Cache-Control"] == "no-store"
            assert headers["Referrer-Policy"] == "no-referrer"
        status, _, _ = ask(server, "POST", "/api/check", None, headers={"Content-Type": "text/plain"})
        assert status == 415


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.remote: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and not found.get("src"):
            self.inline.append("<script> without src")
        self.inline += [f"{tag} {k}" for k in found if k.startswith("on") or k == "style"]
        self.remote += [v for k, v in found.items() if k in ("src", "href") and v
                        and re.match(r"^[a-z]+:", v) and not v.startswith("data:")]


def test_the_page_has_no_inline_code_and_nothing_remote(referral: Path) -> None:
    with running(referral) as server:
        _, _, page = ask(server, "GET", "/")
    parser = _Page()
    parser.feed(page.decode("utf-8"))
    assert parser.inline == [] and parser.remote == []
    script = (files("protocol_checks.editor") / "static" / "editor.js").read_text(encoding="utf-8")
    assert not re.search(r"https?://", script), "the script names another host"
    assert "innerHTML" not in script and "eval(" not in script


# --------------------------------------------------------------------------- saving


def test_save_writes_the_canonical_layout_atomically(referral: Path) -> None:
    os.chmod(referral, 0o640)
    before = os.stat(referral)
    with running(referral) as server:
        status, opened = ask_json(server, "GET", "/api/case")
        assert status == 200
        case = opened["case"]
        assert list(case)[4] == "notes"  # the example keeps notes before the referral
        case["stage"] = "assessment"
        status, saved = ask_json(server, "POST", "/api/save", {"base": opened["base"], "case": case})
    assert status == 200 and saved["saved"] is True
    text = referral.read_text(encoding="utf-8")
    value = json.loads(text)
    assert list(value) == ["protocol_version", "case_id", "stage", "as_of", "referral", "notes"]
    assert list(value["referral"]) == ["received_on", "source", "legal_basis"]
    assert text == json.dumps(value, indent=2, ensure_ascii=False) + "\n"
    assert value["stage"] == "assessment" and value["notes"] == case["notes"]
    after = os.stat(referral)
    assert stat.S_IMODE(after.st_mode) == 0o640
    assert after.st_ino != before.st_ino, "not replaced by rename"
    assert [p.name for p in referral.parent.iterdir()] == [referral.name], "a temporary file was left"
    assert saved["base"] == saving.digest(referral.read_bytes())
    # The validator judges the saved file as the page was told.
    proc = subprocess.run([str(COMMAND), "validate", "--format", "json", str(referral)],
                          capture_output=True, text=True, timeout=60)
    found = {(f["rule"], f["path"]) for f in json.loads(proc.stdout)["results"][0]["findings"]}
    assert found == {(f["rule"], f["path"]) for f in saved["findings"]}
    assert proc.returncode == (1 if any(f["severity"] == "error" for f in saved["findings"]) else 0)


def test_a_failed_write_leaves_the_file_as_it_was(referral: Path, monkeypatch) -> None:
    session = CaseSession.open(str(referral))
    before = referral.read_bytes()

    def broken(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(saving.os, "replace", broken)
    with pytest.raises(OSError):
        session.save({**json.loads(before), "stage": "assessment"}, session.base)
    assert referral.read_bytes() == before
    assert [p.name for p in referral.parent.iterdir()] == [referral.name]


def test_save_refuses_a_file_changed_on_disk(referral: Path) -> None:
    with running(referral) as server:
        _, opened = ask_json(server, "GET", "/api/case")
        theirs = {**opened["case"], "as_of": "2026-10-19"}
        referral.write_text(json.dumps(theirs), encoding="utf-8")  # another program's edit
        changed = referral.read_bytes()
        mine = {**opened["case"], "stage": "assessment"}
        status, conflict = ask_json(server, "POST", "/api/save", {"base": opened["base"], "case": mine})
        assert status == 409 and conflict["conflict"] is True
        assert set(conflict["paths"]) == {"$.stage", "$.as_of"}
        assert referral.read_bytes() == changed, "the other program's edit was overwritten"
        assert "2026-10-19" not in json.dumps(conflict), "the conflict repeats a value"
        # Saving over it is a deliberate second step, naming the version now on disk.
        status, _ = ask_json(server, "POST", "/api/save", {"base": conflict["current"], "case": mine})
        assert status == 200
    assert json.loads(referral.read_text(encoding="utf-8"))["stage"] == "assessment"


def test_order_follows_the_model_and_keeps_unknown_keys_last() -> None:
    value = {"zz": 1, "sessions": [{"attendance": "missed", "on": "2026-01-05", "x": {"b": 1, "a": 2}}],
             "case_id": "CASE-0001", "roles": {"therapist": {"assigned_on": "2026-01-01",
                                                             "staff_id": "STAFF-001"}}}
    out = ordered(value)
    assert list(out) == ["case_id", "roles", "sessions", "zz"]
    assert list(out["sessions"][0]) == ["on", "attendance", "x"]
    assert list(out["sessions"][0]["x"]) == ["b", "a"]
    assert list(out["roles"]["therapist"]) == ["staff_id", "assigned_on"]
    assert canonical_bytes({"notes": "é"}).decode("utf-8") == '{\n  "notes": "é"\n}\n'
    # A field the file names by its alias ("$schema") keeps the field's place.
    names = [f.alias or n for n, f in CaseFile.model_fields.items()]
    for alias in (f.alias for n, f in CaseFile.model_fields.items() if f.alias and f.alias != n):
        out = ordered({"notes": "x", alias: "y", "case_id": "CASE-0001"})
        assert list(out) == sorted(out, key=names.index)


# --------------------------------------------------------------------------- checking


@pytest.mark.parametrize("name", ["con-002", "data-003", "role-001", "info-001", "med-003",
                                  "priv-002", "att-001"])
def test_check_returns_the_validators_findings_with_paths(name: str) -> None:
    path = FAILING / f"{name}.json"
    api = EditorApi(CaseSession.open(str(path)))
    answer = api.check({"case": json.loads(path.read_text(encoding="utf-8"))})
    assert answer.status == 200
    found = {(f["rule"], _label(f), f["path"]) for f in answer.body["findings"]}
    assert found == _expected(path)
    assert all(f["url"].endswith(f"#rule-{f['rule'].lower()}") for f in answer.body["findings"])
    statuses = [i["status"] for c in answer.body["checklists"] for i in c["items"]]
    assert statuses and any(i["gap"] for c in answer.body["checklists"] for i in c["items"])


def test_check_of_a_case_that_breaks_the_format_names_paths_not_values(referral: Path) -> None:
    with running(referral) as server:
        _, opened = ask_json(server, "GET", "/api/case")
        case = {**opened["case"], "sessions": [{"on": "2026-13-40", "attendance": MARKER}]}
        status, answer = ask_json(server, "POST", "/api/check", {"case": case})
    assert status == 200
    assert {p["path"] for p in answer["problems"]} == {"$.sessions[0].on", "$.sessions[0].attendance"}
    assert MARKER not in json.dumps(answer) and "2026-13-40" not in json.dumps(answer)


def _interruptible() -> None:
    """In the child, before the command starts: Ctrl-C's signal handled as by default. A suite
    started in the background (``make test &``) ignores SIGINT, children inherit that, and
    Python then leaves it ignored, so the test's SIGINT would never reach the editor."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(path: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([str(COMMAND), "edit", str(path), "--no-browser"], cwd=path.parent,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_interruptible)
    assert proc.stderr is not None
    line = proc.stderr.readline()
    found = re.search(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", line)
    assert found, f"no address in {line!r}"
    return proc, found.group(0)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_the_command_serves_until_stopped_and_never_prints_a_value(referral: Path, stop) -> None:
    proc, url = _start(referral)
    try:
        port = int(url.split(":")[2].split("/")[0])
        token = url.split("token=")[1]

        def post(route: str, body: Any) -> tuple[int, Any]:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            connection.request("POST", f"{route}?token={token}", body=json.dumps(body),
                               headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            return response.status, json.loads(response.read())

        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        connection.request("GET", f"/api/case?token={token}")
        opened = json.loads(connection.getresponse().read())
        case = {**opened["case"], "notes": MARKER, "case_id": "CASE-7F3A9"}
        assert post("/api/check", {"case": case})[0] == 200
        assert post("/api/check", {"case": {**case, "as_of": MARKER}})[0] == 200
        assert post("/api/save", {"base": opened["base"], "case": case})[0] == 200
        proc.send_signal(stop)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert MARKER not in out + err and "CASE-7F3A9" not in out + err
    assert "GET" not in err and "POST" not in err, "requests were logged"
    assert out == ""
    assert json.loads(referral.read_text(encoding="utf-8"))["notes"] == MARKER


def test_a_missing_or_non_json_case_is_refused(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "CASE-0404.json"
    assert cli.main(["edit", str(missing), "--no-browser"]) == 2
    assert "protocol-checks new" in capsys.readouterr().err
    for content in ("{not json", "[1, 2]", '{"a": 1, "a": 2}', ""):
        bad = tmp_path / "CASE-0405.json"
        bad.write_text(content, encoding="utf-8")
        assert cli.main(["edit", str(bad), "--no-browser"]) == 2, content
        assert "protocol-checks:" in capsys.readouterr().err
    assert cli.main(["edit", str(tmp_path), "--no-browser"]) == 2
    # JSON that breaks the case-file format still opens, so it can be put right.
    broken = tmp_path / "CASE-0406.json"
    broken.write_text('{"stage": "nowhere", "sessions": 3}', encoding="utf-8")
    assert CaseSession.open(str(broken)).path == str(broken.resolve())


def test_other_commands_do_not_load_the_editor() -> None:
    code = ("import sys, io, contextlib\nfrom protocol_checks import cli\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n    cli.main(['rules'])\n"
            "print(sorted(m for m in sys.modules if m.startswith('protocol_checks.editor.')"
            " and m != 'protocol_checks.editor.options'))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "[]", proc.stderr


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium("the editor") as launched:
        yield launched


@pytest.fixture
def page(browser) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()


class Form:
    """The editor page, driven by the JSON paths its fields carry."""

    def __init__(self, page: Any) -> None:
        self.page = page

    def box(self, path: str) -> Any:
        return self.page.locator(f'[data-path="{path}"]')

    def control(self, path: str) -> Any:
        at = f'[data-path="{path}"]'
        return self.page.locator(f"{at} > input, {at} > select, {at} > textarea, {at} > .check > input")

    def set(self, path: str, value: str | bool) -> None:
        control = self.control(path)
        kind = control.evaluate("e => e.tagName === 'SELECT' ? 'select' : e.type")
        if kind == "select":
            control.select_option(str(value).lower() if isinstance(value, bool) else value)
        elif kind == "checkbox":
            control.focus()
            if control.is_checked() != value:
                self.page.keyboard.press("Space")
        else:
            control.fill(str(value))

    def press(self, path: str, selector: str = "button") -> None:
        """Activate a button by keyboard: focus it and press Enter."""
        self.box(path).locator(f":scope > {selector}, :scope > .actions > {selector}").first.focus()
        self.page.keyboard.press("Enter")

    def fill(self, path: str, values: dict[str, Any]) -> None:
        for key, value in values.items():
            if isinstance(value, list):
                for choice in value:
                    self.box(f"{path}.{key}").locator(f'input[value="{choice}"]').check()
            else:
                self.set(f"{path}.{key}", value)

    def add(self, path: str, values: dict[str, Any]) -> None:
        self.press(path)
        self.fill(path, values)

    def add_item(self, path: str, index: int, values: dict[str, Any]) -> None:
        self.press(path, "button.list-add")
        self.fill(f"{path}[{index}]", values)

    def save(self) -> None:
        self.page.keyboard.press("Control+s")
        self.page.locator("#status").filter(has_text="Saved at").wait_for()


def _open(page: Any, server: EditorServer) -> Recorder:
    recorder = Recorder(origin=f"http://127.0.0.1:{server.server_address[1]}")
    recorder.attach(page)
    page.goto(server.url)
    page.locator("#summary").filter(has_text=re.compile(r"findings|error|problem")).wait_for()
    return recorder


ROLES = {
    "responsible_clinician": {"staff_id": "STAFF-031", "profession": "psychiatrist", "can_admit": True,
                              "care_coordinator": True, "assigned_on": "2026-10-12"},
    "risk_assessor": {"staff_id": "STAFF-032", "profession": "psychiatrist", "risk_trained": True,
                      "assigned_on": "2026-10-12"},
    "therapist": {"staff_id": "STAFF-033", "profession": "psychologist", "assigned_on": "2026-10-12"},
    "case_manager": {"staff_id": "STAFF-034", "profession": "social_worker",
                     "assigned_on": "2026-10-12"},
}
SHARING = {"agencies": ["probation"], "circumstances": "If the risk assessor judges that a potential "
           "victim may be at risk.", "set_by": "STAFF-032", "agreed_on": "2026-10-12",
           "explained_to_patient_on": "2026-10-19"}
MOTIVATION = {"assessed_on": "2026-10-26", "assessed_by": "STAFF-033",
              "strands": ["avoid_prison", "genuine_wish_to_change"],
              "formulation": "Avoiding prison weighs most; some wish to change is present."}
PLAN = {"modality": "cbt", "format": "individual", "starts_on": "2026-11-09",
        "planned_end_on": "2027-05-10", "session_frequency": "weekly"}
SESSIONS = [{"on": "2026-11-09", "attendance": "attended"}, {"on": "2026-11-16", "attendance": "attended"}]
ATTESTATIONS = [
    {"item": "BA-16", "confirmed_by": "STAFF-034", "confirmed_on": "2026-10-19"},
    {"item": "BT-12", "confirmed_by": "STAFF-033", "confirmed_on": "2026-11-02"},
    {"item": "BT-14", "confirmed_by": "STAFF-034", "confirmed_on": "2026-11-09"},
    {"item": "DT-6", "confirmed_by": "STAFF-031", "confirmed_on": "2026-11-16"},
    {"item": "DT-8", "confirmed_by": "STAFF-033", "confirmed_on": "2026-11-16"},
    {"item": "DT-9", "confirmed_by": "STAFF-031", "confirmed_on": "2026-11-16"},
]


def _treatment_case() -> dict[str, Any]:
    """What the form must save, written out by hand in the model's field order."""
    start = json.loads(REFERRAL.read_text(encoding="utf-8"))
    return {
        "protocol_version": start["protocol_version"], "case_id": start["case_id"],
        "stage": "treatment", "as_of": "2026-11-16", "referral": start["referral"],
        "roles": ROLES,
        "roles_explained": {"explained_on": "2026-10-19", "explained_by": "STAFF-034"},
        "information_sharing": SHARING,
        "communication_needs": {"asked_on": "2026-10-19", "needs_identified": False},
        "assessment": {"started_on": "2026-10-26", "motivation": MOTIVATION,
                       "therapeutic_contract": {"agreed_on": "2026-11-02"}},
        "treatment_plan": PLAN, "sessions": SESSIONS, "attestations": ATTESTATIONS,
        "notes": start["notes"],
    }


def test_a_case_from_referral_to_treatment_through_the_form(page, referral: Path, axe_source) -> None:
    form = Form(page)
    # The page's policy refuses inline scripts, so axe comes in as an init script (which the
    # browser runs before any policy of the page applies).
    page.add_init_script(script=axe_source)
    with running(referral) as server:
        recorder = _open(page, server)
        assert page.locator("#summary").inner_text() == "No findings."
        form.set("$.stage", "treatment")
        form.set("$.as_of", "2026-11-16")
        # The validator's findings appear beside the field they name, and the stage's checklists.
        form.box("$.roles.responsible_clinician").locator(".field-findings li").filter(
            has_text="ROLE-001").wait_for()
        page.locator("#checklists h3").filter(has_text="Before treatment starts").wait_for()
        for role, values in ROLES.items():
            form.add(f"$.roles.{role}", values)
        form.add("$.roles_explained", {"explained_on": "2026-10-19", "explained_by": "STAFF-034"})
        form.add("$.information_sharing", SHARING)
        form.add("$.communication_needs", {"asked_on": "2026-10-19", "needs_identified": False})
        form.add("$.assessment", {"started_on": "2026-10-26"})
        form.add("$.assessment.motivation", MOTIVATION)
        form.add("$.assessment.therapeutic_contract", {"agreed_on": "2026-11-02"})
        form.add("$.treatment_plan", PLAN)
        for i, session in enumerate(SESSIONS):
            form.add_item("$.sessions", i, session)
        for i, attestation in enumerate(ATTESTATIONS):
            form.add_item("$.attestations", i, attestation)
        form.save()
        page.locator("#summary").filter(has_text="No findings.").wait_for()
        gaps = page.locator("#checklists .item-status.gap").all_inner_texts()
        results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert gaps == []
    text = referral.read_text(encoding="utf-8")
    assert text == json.dumps(_treatment_case(), indent=2, ensure_ascii=False) + "\n"
    proc = subprocess.run([str(COMMAND), "validate", "--fail-on", "advice", "--format", "json",
                           str(referral)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["results"][0]["findings"] == []
    assert axe_failures(results, "editor") == []
    assert recorder.problems == []
    assert all(r.startswith(recorder.origin + "/") for r in recorder.requests)


@pytest.fixture(scope="module")
def axe_source() -> str:
    return (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


def test_everything_is_reachable_by_keyboard(page, referral: Path) -> None:
    with running(referral) as server:
        recorder = _open(page, server)
        controls = page.evaluate("""() => [...document.querySelectorAll(
            '#case-form input, #case-form select, #case-form textarea, #case-form button, #save')]
            .map(e => e.id || e.closest('[data-path]').dataset.path + ' ' + e.textContent)""")
        reached: list[str] = []
        visible: list[bool] = []
        for _ in range(len(controls) + 10):
            page.keyboard.press("Tab")
            info = page.evaluate("""() => { const e = document.activeElement;
                if (e === document.body) return null;  // past the last stop, before wrapping
                const p = e.closest('[data-path]');
                return [e.id || (p ? p.dataset.path : '') + ' ' + e.textContent,
                        getComputedStyle(e).outlineStyle !== 'none'
                        && parseFloat(getComputedStyle(e).outlineWidth) >= 2]; }""")
            if info is not None:
                reached.append(info[0])
                visible.append(info[1])
        assert set(controls) <= set(reached), set(controls) - set(reached)
        assert all(visible), [r for r, v in zip(reached, visible, strict=True) if not v]
        # Add a session with the keyboard only: Enter on the button, then the fields by Tab.
        page.locator('[data-path="$.sessions"] button.list-add').focus()
        page.keyboard.press("Enter")
        focused = page.evaluate("() => document.activeElement.closest('[data-path]').dataset.path")
        assert focused == "$.sessions[0].on"
        page.keyboard.type("11162026")  # the parts' order follows the browser's locale
        at = "() => document.activeElement.closest('[data-path]').dataset.path"
        for _ in range(5):  # Tab steps through the date's parts, then on to the next field
            page.keyboard.press("Tab")
            if page.evaluate(at) != focused:
                break
        assert page.evaluate(at) == "$.sessions[0].attendance"
        page.keyboard.press("ArrowDown")  # from "Choose..." to the first attendance
        page.keyboard.press("Control+s")
        page.locator("#status").filter(has_text="Saved at").wait_for()
        # Remove it again by keyboard; focus returns to the add button.
        page.locator('[data-path="$.sessions[0]"] button.remove').focus()
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.textContent") == "Add session"
        saved = json.loads(referral.read_text(encoding="utf-8"))
    assert list(saved["sessions"][0]) == ["on", "attendance"]
    assert re.fullmatch(r"20\d\d-\d\d-\d\d", saved["sessions"][0]["on"])
    assert saved["sessions"][0]["attendance"] == "attended"
    assert recorder.problems == []


def test_a_conflict_is_shown_and_nothing_is_overwritten(page, referral: Path) -> None:
    form = Form(page)
    with running(referral) as server:
        recorder = _open(page, server)
        theirs = {**json.loads(referral.read_text(encoding="utf-8")), "as_of": "2026-10-19"}
        referral.write_text(json.dumps(theirs, indent=4), encoding="utf-8")
        changed = referral.read_bytes()
        form.set("$.case_id", "CASE-0102")
        page.keyboard.press("Control+s")
        page.locator("#conflict").wait_for(state="visible")
        assert page.evaluate("() => document.activeElement.id") == "conflict-heading"
        assert set(page.locator("#conflict-paths li").all_inner_texts()) == {"$.case_id", "$.as_of"}
        assert referral.read_bytes() == changed
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # load the version on disk
        page.locator("#status").filter(has_text="Loaded the version on disk").wait_for()
        assert form.control("$.as_of").input_value() == "2026-10-19"
        assert form.control("$.case_id").input_value() == "CASE-0101"
        time.sleep(0.5)  # the check after loading
    assert referral.read_bytes() == changed
    expected = {"HTTP 409", "status of 409"}
    assert [p for p in recorder.problems if not any(e in p for e in expected)] == []
