"""The command in a repository of case files (issue 17, section 3): hidden folders, links that
work outside the handbook, output files under the user's umask, PRIV-001's two successors in
release 1.2.0, what the terminal shows, the report's default file, SARIF suppressions, and the
publish how-to's nginx snippet served by a real nginx.
"""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from casefactory import CLI, new_case
from test_cli import run_cli

from protocol_checks.display import wants_color
from protocol_checks.output import atomic_write

ROOT = Path(__file__).resolve().parents[1]
CLEAN = ROOT / "examples" / "cases" / "clean"
NOTE = "no handbook URL is set"


def _write(path: Path, case: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(case, indent=2) + "\n", encoding="utf-8")
    return path


def _json(proc: subprocess.CompletedProcess) -> dict:
    return json.loads(proc.stdout)


def _checked(report: dict) -> list[str]:
    return sorted(os.path.normpath(r["file"]) for r in report["results"])


# --- folder walks skip hidden files and folders ----------------------------------------------

@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A repository of cases with editor settings, a hidden folder and an archive folder."""
    _write(tmp_path / "cases" / "a.json", new_case(case_id="CASE-0001"))
    _write(tmp_path / "cases" / "archive" / "b.json", new_case(case_id="CASE-0002"))
    (tmp_path / ".vscode").mkdir()
    (tmp_path / ".vscode" / "settings.json").write_text('{"editor.tabSize": 2}\n')
    (tmp_path / "cases" / ".hidden.json").write_text('{"not": "a case"}\n')
    _write(tmp_path / "cases" / ".drafts" / "c.json", new_case(case_id="CASE-0003"))
    return tmp_path


def test_a_folder_scan_skips_hidden_files_and_folders(repository: Path) -> None:
    done = run_cli("validate", "--no-progress", "--format", "json", ".", cwd=repository)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _checked(_json(done)) == ["cases/a.json", "cases/archive/b.json"]


def test_a_hidden_file_or_folder_named_on_the_command_line_is_checked(repository: Path) -> None:
    done = run_cli("validate", "--no-progress", "--format", "json", ".vscode/settings.json",
                   cwd=repository)
    assert done.returncode == 2  # not a case file: five unknown or missing fields, located
    (result,) = _json(done)["results"]
    assert result["file"] == ".vscode/settings.json" and result["problems"]
    named = run_cli("validate", "--no-progress", "--format", "json", "cases/.drafts",
                    cwd=repository)
    assert named.returncode == 0 and _checked(_json(named)) == ["cases/.drafts/c.json"]


def test_exclude_and_the_profiles_excludes_work_beside_hidden_skipping(repository: Path) -> None:
    done = run_cli("validate", "--no-progress", "--format", "json", "--exclude", "archive",
                   "cases", cwd=repository)
    assert done.returncode == 0 and _checked(_json(done)) == ["cases/a.json"]
    files = run_cli("validate", "--no-progress", "--format", "json", "--exclude", "*/b.json",
                    "cases", cwd=repository)
    assert files.returncode == 0 and _checked(_json(files)) == ["cases/a.json"]
    profile = run_cli("profile", "new", cwd=repository).stdout
    assert "\ndefaults:\n" in profile
    (repository / "protocol-profile.yaml").write_text(profile.replace(
        "\ndefaults:\n", "\ndefaults:\n  exclude: [cases/archive]\n"), encoding="utf-8")
    by_profile = run_cli("validate", "--no-progress", "--format", "json", ".", cwd=repository)
    assert by_profile.returncode == 0, by_profile.stderr
    assert _checked(_json(by_profile)) == ["cases/a.json"]


# --- links outside the handbook --------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "junit"])
def test_without_a_handbook_url_the_run_says_so_once(fmt: str, tmp_path: Path) -> None:
    _write(tmp_path / "one.json", new_case(case_id="CASE-0001"))
    _write(tmp_path / "two.json", new_case(case_id="CASE-0002"))
    done = run_cli("validate", "--no-progress", "--format", fmt, ".", cwd=tmp_path)
    assert done.stderr.count(NOTE) == 1
    assert all(s in done.stderr for s in ("--handbook-url", "PROTOCOL_CHECKS_HANDBOOK_URL",
                                          "handbook_url"))
    assert NOTE not in done.stdout  # a message, never part of the report
    given = run_cli("validate", "--no-progress", "--format", fmt, "--handbook-url",
                    "https://intranet.example/protocol/", ".", cwd=tmp_path)
    assert NOTE not in given.stderr
    from_env = run_cli("validate", "--no-progress", "--format", fmt, ".", cwd=tmp_path,
                       env={"PROTOCOL_CHECKS_HANDBOOK_URL": "https://intranet.example/p/"})
    assert NOTE not in from_env.stderr


def _links(page: str) -> list[str]:
    return re.findall(r'<a class="rule" href="([^"]+)"', page)


def test_report_links_follow_the_handbook_dir_from_wherever_the_report_is(
        tmp_path: Path) -> None:
    _write(tmp_path / "cases" / "x.json", new_case(referral={
        "received_on": new_case()["as_of"], "source": "court", "legal_basis": "none"}))
    handbook = tmp_path / "site" / "handbook"
    (handbook / "reference").mkdir(parents=True)
    (handbook / "reference" / "rules.html").write_text("<html></html>")
    out = tmp_path / "reports" / "december"
    out.mkdir(parents=True)
    done = run_cli("report", "cases", "-o", "reports/december/r.html", "--handbook-dir",
                   "site/handbook", cwd=tmp_path)
    assert done.returncode in (0, 1), done.stderr
    assert NOTE not in done.stderr
    links = _links((out / "r.html").read_text(encoding="utf-8"))
    assert links and all(link.startswith("../../site/handbook/reference/rules.html#rule-")
                         for link in links)
    for link in links:  # each resolves, from the report's own folder, to the handbook's page
        assert (out / link.split("#")[0]).resolve() == handbook / "reference" / "rules.html"
    no_dir = run_cli("report", "cases", "-o", "r.html", "--handbook-dir", "nowhere",
                     cwd=tmp_path)
    assert no_dir.returncode == 2 and "not a folder" in no_dir.stderr
    relative = run_cli("report", "cases", "-o", "r.html", cwd=tmp_path)
    assert relative.stderr.count(NOTE) == 1 and "--handbook-dir" in relative.stderr
    url = run_cli("report", "cases", "-o", "r.html", "--handbook-url",
                  "https://intranet.example/protocol", cwd=tmp_path)
    assert NOTE not in url.stderr
    assert all(link.startswith("https://intranet.example/protocol/reference/rules.html#")
               for link in _links((tmp_path / "r.html").read_text(encoding="utf-8")))


def test_report_writes_a_default_file_and_says_where(tmp_path: Path) -> None:
    _write(tmp_path / "cases" / "a.json", new_case())
    done = run_cli("report", "cases", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "caseload-report.html").is_file()
    assert "wrote caseload-report.html" in done.stderr and done.stdout == ""
    audit = run_cli("report", "--format", "json", "cases", cwd=tmp_path)
    assert audit.returncode == 0
    assert json.loads((tmp_path / "caseload-audit.json").read_text())["format_version"] == 1
    # Never over an input: in a folder being checked, the JSON would be read as a case file.
    inside = run_cli("report", "--format", "json", ".", cwd=tmp_path / "cases")
    assert inside.returncode == 2 and "folder being checked" in inside.stderr
    assert not (tmp_path / "cases" / "caseload-audit.json").exists()


# --- output files get the user's umask; the cache stays private ------------------------------

def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="file modes and umask are POSIX")
@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_outputs_get_the_umask_and_the_cache_stays_private(umask: int, mode: int,
                                                           tmp_path: Path) -> None:
    _write(tmp_path / "cases" / "a.json", new_case())

    def run(*args: str) -> None:
        done = subprocess.run([*CLI, *args], cwd=tmp_path, capture_output=True, timeout=60,
                              preexec_fn=lambda: os.umask(umask), check=False)
        assert done.returncode == 0, done.stderr

    run("validate", "--no-progress", "cases", "-o", "report.txt", "--cache", "cache")
    run("report", "cases", "-o", "caseload.html")
    run("schema", "-o", "schema.json")
    for name in ("report.txt", "caseload.html", "schema.json"):
        assert _mode(tmp_path / name) == mode, name
    cached = [p for p in (tmp_path / "cache").iterdir() if p.is_file() and p.stat().st_size]
    assert cached and all(_mode(p) & 0o077 == 0 for p in cached)  # the cache: owner only
    before = os.umask(umask)
    try:
        with atomic_write(tmp_path / "direct.txt") as out:
            out.write("x")
        with atomic_write(tmp_path / "private.txt", private=True) as out:
            out.write("x")
    finally:
        os.umask(before)
    assert _mode(tmp_path / "direct.txt") == mode
    assert _mode(tmp_path / "private.txt") == 0o600


# --- PRIV-001 withdrawn in 1.2.0: PRIV-003 (errors) and PRIV-004 (warnings) ------------------

KINDS = [("943 476 5919", "PRIV-003", "error", "NHS number"),
         ("duty.team@example.org", "PRIV-003", "error", "email address"),
         ("+44 7700 900123", "PRIV-004", "warning", "telephone"),
         ("SW1A 1AA", "PRIV-004", "warning", "postcode"),
         ("Mr Smith", "PRIV-004", "warning", "titled personal name")]


@pytest.mark.parametrize(("text", "rule", "severity", "words"), KINDS,
                         ids=[k[3] for k in KINDS])
def test_release_1_2_0_splits_certain_and_likely_identifiers(
        text: str, rule: str, severity: str, words: str, tmp_path: Path) -> None:
    path = _write(tmp_path / "case.json", new_case(protocol_version="1.2.0",
                                                   notes=f"Seen today; {text}."))
    done = run_cli("validate", "--no-progress", "--format", "json", path.name, cwd=tmp_path)
    (finding,) = _json(done)["results"][0]["findings"]
    assert (finding["rule"], finding["severity"], finding["path"]) == (rule, severity, "$.notes")
    assert words in finding["message"] and text not in finding["message"]
    assert done.returncode == (1 if severity == "error" else 0)
    # A case on 1.1.0 is judged by PRIV-001 exactly as before: a warning, whatever the kind.
    old = _write(tmp_path / "old.json", new_case(protocol_version="1.1.0",
                                                 notes=f"Seen today; {text}."))
    before = run_cli("validate", "--no-progress", "--format", "json", old.name, cwd=tmp_path)
    (kept,) = [f for f in _json(before)["results"][0]["findings"] if f["rule"] != "DATA-009"]
    assert (kept["rule"], kept["severity"]) == ("PRIV-001", "warning")
    assert words in kept["message"] and before.returncode == 0
    preview = run_cli("validate", "--no-progress", "--format", "json", "--protocol-version",
                      "1.2.0", old.name, cwd=tmp_path)
    assert [f["rule"] for f in _json(preview)["results"][0]["findings"]] == [rule]


def test_priv_001_is_withdrawn_in_1_2_0_and_replaced(tmp_path: Path) -> None:
    from protocol_checks.protocol import load_protocol
    from protocol_checks.protocols import protocol_for, releases_of

    assert releases_of("PRIV-001") == ["1.0.0", "1.1.0"]
    assert releases_of("PRIV-003") == releases_of("PRIV-004") == ["1.2.0"]
    item = load_protocol().items["CF-10"]
    assert {"PRIV-003", "PRIV-004", "PRIV-002"} == set(item.rule_ids)
    assert "PRIV-001" in protocol_for("1.1.0").items["CF-10"].rule_ids
    shown = run_cli("explain", "PRIV-001", cwd=tmp_path).stdout
    assert "withdrawn in 1.2.0, replaced by PRIV-003, PRIV-004" in shown


# --- what the terminal shows -----------------------------------------------------------------

def test_quiet_hides_waived_findings_and_deviations_but_counts_them(tmp_path: Path) -> None:
    files = [str(CLEAN / "treatment-cbt-waived-duration.json"),
             str(CLEAN / "treatment-cbt-contract-deviation.json")]
    loud = run_cli("validate", "--no-progress", *files, cwd=tmp_path)
    assert "WAIVED WARNING MOD-006" in loud.stdout and "DEVIATION ERROR ASMT-003" in loud.stdout
    quiet = run_cli("validate", "--no-progress", "--quiet", *files, cwd=tmp_path)
    assert quiet.returncode == loud.returncode == 0
    assert "MOD-006" not in quiet.stdout and "ASMT-003" not in quiet.stdout
    assert "1 waived, 1 recorded deviation" in quiet.stdout  # still counted in the summary
    sarif = _json(run_cli("validate", "--no-progress", "-q", "--format", "sarif", *files,
                          cwd=tmp_path))
    assert sarif["runs"][0]["results"] == []


def test_colour_only_on_a_terminal_or_when_asked(tmp_path: Path) -> None:
    path = _write(tmp_path / "w.json", new_case(referral={
        "received_on": new_case()["as_of"], "source": "court", "legal_basis": "none"}))
    plain = run_cli("validate", "--no-progress", path.name, cwd=tmp_path)
    assert "WARNING REF-002" in plain.stdout and "\033[" not in plain.stdout
    always = run_cli("validate", "--no-progress", "--color", "always", path.name, cwd=tmp_path)
    assert "\033[33mWARNING\033[0m REF-002" in always.stdout
    never = run_cli("validate", "--no-progress", "--color", "never", path.name, cwd=tmp_path)
    assert "\033[" not in never.stdout

    def on_a_terminal(env: dict[str, str]) -> str:
        main, secondary = pty.openpty()
        try:
            subprocess.run([*CLI, "validate", "--no-progress", path.name], cwd=tmp_path,
                           stdout=secondary, stderr=subprocess.DEVNULL, timeout=60, check=False,
                           env={**os.environ, "TERM": "xterm", **env})
            os.close(secondary)
            chunks = []
            while True:
                try:
                    chunk = os.read(main, 65536)
                except OSError:  # the terminal's other end is closed: all is read
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            return b"".join(chunks).decode()
        finally:
            os.close(main)

    env = {k: "" for k in ("NO_COLOR",)}
    assert "\033[33mWARNING" in on_a_terminal(env)
    assert "\033[" not in on_a_terminal({"NO_COLOR": "1"})


def test_wants_color_decides_by_the_option_the_stream_and_no_color(
        monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert wants_color("auto", None, Terminal())  # type: ignore[arg-type]
    assert not wants_color("auto", "report.txt", Terminal())  # type: ignore[arg-type]
    assert not wants_color("never", None, Terminal())  # type: ignore[arg-type]
    monkeypatch.setenv("NO_COLOR", "1")
    assert not wants_color("auto", None, Terminal())  # type: ignore[arg-type]
    assert wants_color("always", None, Terminal())  # type: ignore[arg-type]


def test_most_frequent_only_for_more_than_one_file(tmp_path: Path) -> None:
    court = {"received_on": new_case()["as_of"], "source": "court", "legal_basis": "none"}
    _write(tmp_path / "a.json", new_case(case_id="CASE-0001", referral=court))
    one = run_cli("validate", "--no-progress", "a.json", cwd=tmp_path)
    assert "WARNING REF-002" in one.stdout and "most frequent" not in one.stdout
    _write(tmp_path / "b.json", new_case(case_id="CASE-0002", referral=court))
    two = run_cli("validate", "--no-progress", "a.json", "b.json", cwd=tmp_path)
    assert "most frequent: REF-002 (2)" in two.stdout


def test_stage_names_are_shown_in_words(tmp_path: Path) -> None:
    listed = run_cli("checklist", cwd=tmp_path).stdout
    assert "(due by: long-term contact," in listed and "long_term_contact" not in listed
    blank = run_cli("checklist", "end-of-treatment", cwd=tmp_path).stdout
    assert "due by the long-term contact stage" in blank
    explained = run_cli("explain", "END-001", cwd=tmp_path).stdout
    assert "applies:   from the long-term contact stage" in explained
    rules = run_cli("rules", cwd=tmp_path).stdout
    assert "long_term_contact" not in rules and "long-term contact" in rules
    assert '"long_term_contact"' in run_cli("rules", "--format", "json", cwd=tmp_path).stdout
    marked = run_cli("checklist", "end-of-treatment", str(CLEAN / "referral-new.json"),
                     cwd=tmp_path).stdout
    assert "long_term_contact" not in marked
    run_cli("report", str(CLEAN), "-o", "r.html", cwd=tmp_path)
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "long-term contact" in page and ">long_term_contact<" not in page


def test_checklist_help_explains_name_and_case(tmp_path: Path) -> None:
    shown = " ".join(run_cli("checklist", "--help", cwd=tmp_path).stdout.split())
    assert "NAME the checklist's ID" in shown and "CASE a case file" in shown


# --- SARIF marks settled findings as suppressed in the source --------------------------------

def test_sarif_marks_waivers_and_deviations_as_in_source_suppressions(tmp_path: Path) -> None:
    files = [str(CLEAN / "treatment-cbt-waived-duration.json"),
             str(CLEAN / "treatment-cbt-contract-deviation.json")]
    sarif = _json(run_cli("validate", "--no-progress", "--format", "sarif", *files,
                          cwd=tmp_path))
    results = {r["ruleId"]: r for r in sarif["runs"][0]["results"]}
    for rule_id in ("MOD-006", "ASMT-003"):
        (suppression,) = results[rule_id]["suppressions"]
        assert suppression["kind"] == "inSource" and suppression["status"] == "accepted"
        assert suppression["justification"]
    assert "informationUri" not in sarif["runs"][0]["tool"]["driver"]  # no absolute URL set
    schema_path = ROOT / ".cache" / "sarif-2.1.0.json"  # scripts/fetch-sarif-schema
    if schema_path.is_file():
        jsonschema = pytest.importorskip("jsonschema")
        jsonschema.validate(sarif, json.loads(schema_path.read_text()))
    elif os.environ.get("CI") == "true":
        pytest.fail("CI must validate SARIF: run scripts/fetch-sarif-schema")


# --- the publish how-to ----------------------------------------------------------------------

PUBLISH = ROOT / "docs" / "howto" / "publish.md"


def _nginx_snippet() -> str:
    """The nginx block the how-to gives, read from the page (so the two cannot drift)."""
    blocks = re.findall(r"```nginx\n(.*?)```", PUBLISH.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, "the how-to should give one nginx snippet"
    return blocks[0]


def _nginx() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(snippet: str, site: Path, run: Path) -> dict[str, str]:
    """Content types nginx gives each file of ``site`` under ``/protocol/``, served with
    ``snippet`` (its alias pointed at ``site``) in a Debian-like configuration."""
    binary = _nginx()
    assert binary is not None
    port = _free_port()
    body = re.sub(r"alias\s+[^;]+;", f"alias {site}/;", snippet)
    temps = "\n".join(f"  {kind}_temp_path {run / kind};"
                      for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (run / "nginx.conf").write_text(f"""
daemon off;
master_process off;
pid {run / 'nginx.pid'};
error_log {run / 'error.log'};
events {{}}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
{temps}
  server {{
    listen 127.0.0.1:{port};
{body}
  }}
}}
""")
    server = subprocess.Popen([binary, "-e", str(run / "error.log"), "-p", str(run), "-c",
                               str(run / "nginx.conf")], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        types = {}
        for name in ("index.html", "_static/handbook.css", "_static/handbook.js",
                     "schema/case-file.schema.json", "searchindex.json"):
            for _ in range(100):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/protocol/{name}",
                                                timeout=5) as response:
                        types[name] = response.headers.get_content_type()
                    break
                except OSError:
                    if server.poll() is not None:
                        pytest.fail(f"nginx stopped: {(run / 'error.log').read_text()[-2000:]}")
                    time.sleep(0.05)
        return types
    finally:
        server.terminate()
        server.wait(timeout=10)


def _site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / "_static").mkdir(parents=True)
    (site / "schema").mkdir()
    (site / "index.html").write_text("<!doctype html><title>handbook</title>")
    (site / "_static" / "handbook.css").write_text("body { margin: 0 }")
    (site / "_static" / "handbook.js").write_text("window.handbook = 1;")
    (site / "schema" / "case-file.schema.json").write_text("{}")
    (site / "searchindex.json").write_text("{}")
    return site


def test_the_publish_snippet_serves_every_file_with_its_own_type(tmp_path: Path) -> None:
    if _nginx() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must serve the publish snippet: run scripts/ensure-nginx")
        pytest.skip("nginx is not installed (scripts/ensure-nginx installs it as root)")
    run = tmp_path / "run"
    run.mkdir()
    site = _site(tmp_path)
    assert _serve(_nginx_snippet(), site, run) == {
        "index.html": "text/html", "_static/handbook.css": "text/css",
        "_static/handbook.js": "application/javascript",
        "schema/case-file.schema.json": "application/schema+json",
        "searchindex.json": "application/json"}
    # Positive control: the snippet the how-to gave before replaced the MIME map, and this
    # test sees the stylesheet and script served as HTML.
    old = ("location /protocol/ {\n    alias /srv/protocol-handbook/;\n"
           "    default_type text/html;\n    types { application/schema+json json; }\n}\n")
    broken = _serve(old, site, run)
    assert broken["_static/handbook.css"] == broken["_static/handbook.js"] == "text/html"


def test_the_published_folder_holds_no_doctrees() -> None:
    """The folder the how-to says to copy is built with Sphinx's cache elsewhere (``-d``)."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    docs_rule = re.search(r"^docs:.*\n\t(.+)$", makefile, re.M)
    assert docs_rule is not None
    command = docs_rule.group(1)
    doctrees = re.search(r"-d (\S+)", command)
    assert doctrees is not None and "$(HTML)" not in doctrees.group(1)
    assert re.search(r"^DOCTREES := docs/_build/doctrees$", makefile, re.M)
    guide = PUBLISH.read_text(encoding="utf-8")
    direct = re.search(r"`(sphinx-build [^`]+)`", guide)
    assert direct is not None and " -d docs/_build/doctrees " in direct.group(1)
    assert "Copy the contents of `docs/_build/html/`" in guide
    site = (ROOT / "scripts" / "build_site.py").read_text(encoding="utf-8")
    assert '"-d", doctrees' in site


def test_ensure_nginx_is_run_before_the_tests() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    test_rule = makefile[makefile.index("\ntest:"):].split("\n\n")[0]
    assert "bash scripts/ensure-nginx" in test_rule
    assert os.access(ROOT / "scripts" / "ensure-nginx", os.X_OK)


if sys.platform == "win32":  # pragma: no cover - the command's CI runs on Linux
    pytestmark = pytest.mark.skip(reason="POSIX behaviour (umask, pty, nginx)")
