// The case editor: a form generated from the case file's JSON Schema, checked by the local
// protocol-checks process as the person types. Written for this project; no third-party code.
// Every request goes to the page's own origin, with the session token; nothing else is fetched.
"use strict";

(() => {
  const TOKEN = document.querySelector('meta[name="editor-token"]').content;
  const CHECK_DELAY_MS = 400;
  const state = {
    schema: null, doc: null, base: null, name: "", dirty: false, saving: false,
    seq: 0, timer: null, result: null, implicit: new Set(), conflict: null,
  };
  let uid = 0;
  const nextId = (prefix) => `${prefix}-${++uid}`;

  // ------------------------------------------------------------------ small helpers

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const jsonPath = (parts) =>
    parts.reduce((out, p) => (typeof p === "number" ? `${out}[${p}]` : `${out}.${p}`), "$");

  const WORDS = { id: "ID", cbt: "CBT", nhs: "NHS" };
  function humanise(key) {
    if (key === "on") return "Date";
    const words = String(key).split("_").map((w) => WORDS[w] || w);
    const text = words.join(" ");
    return text.charAt(0).toUpperCase() + text.slice(1);
  }
  const choiceText = (value) => String(value).split("_").map((w) => WORDS[w] || w).join(" ");
  const nounOf = (defName, fallback) =>
    defName ? defName.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase() : fallback.toLowerCase();

  function announce(text) {
    const status = document.getElementById("status");
    status.textContent = "";
    window.setTimeout(() => { status.textContent = text; }, 30);
  }

  async function call(method, path, body) {
    const options = { method, cache: "no-store", credentials: "same-origin",
      headers: { "X-Editor-Token": TOKEN } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    let data = null;
    try { data = await response.json(); } catch (_) { data = null; }
    return { status: response.status, data };
  }

  // ------------------------------------------------------------------ the case as data

  function getAt(parts) {
    let value = state.doc;
    for (const p of parts) {
      if (value === null || typeof value !== "object") return undefined;
      value = value[p];
    }
    return value;
  }

  function setAt(parts, value) {
    let node = state.doc;
    for (let i = 0; i < parts.length - 1; i++) {
      const p = parts[i];
      if (node[p] === null || typeof node[p] !== "object") {
        node[p] = typeof parts[i + 1] === "number" ? [] : {};
      }
      node = node[p];
    }
    const last = parts[parts.length - 1];
    if (value === undefined && !Array.isArray(node)) {
      delete node[last];
      prune(parts.slice(0, -1));
    } else {
      node[last] = value;
    }
    changed();
  }

  // An object that is never null in the schema (roles) equals its default when empty: drop it.
  function prune(parts) {
    while (parts.length && state.implicit.has(jsonPath(parts))) {
      const value = getAt(parts);
      if (!value || typeof value !== "object" || Array.isArray(value) || Object.keys(value).length) {
        return;
      }
      delete getAt(parts.slice(0, -1))[parts[parts.length - 1]];
      parts = parts.slice(0, -1);
    }
  }

  function changed() {
    state.dirty = true;
    document.getElementById("dirty").textContent = "Unsaved changes";
    window.clearTimeout(state.timer);
    state.timer = window.setTimeout(runCheck, CHECK_DELAY_MS);
  }

  // ------------------------------------------------------------------ the schema

  function deref(schema) {
    let out = schema || {};
    let nullable = false;
    for (let guard = 0; guard < 20; guard++) {
      if (out.anyOf) {
        const rest = out.anyOf.filter((s) => s.type !== "null");
        if (rest.length < out.anyOf.length) nullable = true;
        if (rest.length !== 1) break;
        const { anyOf, ...outer } = out;
        out = { ...rest[0], ...outer };
      } else if (out.$ref) {
        const name = out.$ref.split("/").pop();
        const { $ref, ...outer } = out;
        out = { ...state.schema.$defs[name], ...outer, defName: name };
      } else {
        break;
      }
    }
    return { schema: out, nullable };
  }

  function kindOf(s) {
    if (s.type === "object" || s.properties) return "object";
    if (s.type === "array") return deref(s.items).schema.enum ? "choices" : "list";
    if (s.enum) return "enum";
    if (s.type === "boolean") return "boolean";
    if (s.type === "integer" || s.type === "number") return "number";
    if (s.type === "string" && s.format === "date") return "date";
    if (s.type === "string") return (s.maxLength || 0) >= 200 ? "textarea" : "text";
    return "text";
  }

  // ------------------------------------------------------------------ rendering

  function findingsList(id) {
    return el("ul", { class: "field-findings", id });
  }

  function renderProperty(parts, key, propSchema, required) {
    const { schema, nullable } = deref(propSchema);
    const path = [...parts, key];
    const label = humanise(key);
    const kind = kindOf(schema);
    if (kind === "object") {
      if (nullable) return renderOptional(path, schema, label);
      if (!required) state.implicit.add(jsonPath(path));
      return renderObject(path, schema, label, null, true);
    }
    if (kind === "list") return renderList(path, schema, label);
    if (kind === "choices") return renderChoices(path, schema, label, required);
    return renderScalar(path, schema, kind, label, required, nullable);
  }

  function renderObject(path, schema, label, controls, withHelp) {
    const box = el("fieldset", { class: "object", "data-path": jsonPath(path) });
    box.append(el("legend", {}, label));
    if (withHelp && schema.description) box.append(el("p", { class: "help" }, schema.description));
    box.append(findingsList());
    const value = getAt(path);
    const properties = schema.properties || {};
    const required = new Set(schema.required || []);
    for (const [key, propSchema] of Object.entries(properties)) {
      box.append(renderProperty(path, key, propSchema, required.has(key)));
    }
    if (value && typeof value === "object") {
      const unknown = Object.keys(value).filter((k) => !(k in properties));
      if (unknown.length) {
        box.append(el("p", { class: "extra" }, `Kept as it is, but not a field of the case-file `
          + `format (so not shown here): ${unknown.join(", ")}.`));
      }
    }
    if (controls) box.append(controls);
    return box;
  }

  function refreshed(old, fresh, focusSelector) {
    old.replaceWith(fresh);
    if (state.result) showResult(state.result);
    const target = focusSelector ? fresh.querySelector(focusSelector) : null;
    if (target) target.focus();
    return fresh;
  }

  const FOCUSABLE = "input, select, textarea, button";

  function renderOptional(path, schema, label) {
    const value = getAt(path);
    const noun = label.toLowerCase();
    if (value === undefined || value === null) {
      const helpId = nextId("help");
      const box = el("div", { class: "field optional", "data-path": jsonPath(path) });
      box.append(el("span", { class: "label" }, label));
      if (schema.description) box.append(el("p", { class: "help", id: helpId }, schema.description));
      box.append(el("button", { type: "button", "aria-describedby": schema.description ? helpId : null,
        onclick: () => {
          setAt(path, {});
          refreshed(box, renderOptional(path, schema, label), FOCUSABLE);
          announce(`${label} added; not saved yet.`);
        } }, `Add ${noun}`));
      box.append(findingsList());
      return box;
    }
    const remove = el("button", { type: "button", class: "remove", onclick: () => {
      setAt(path, undefined);
      refreshed(box, renderOptional(path, schema, label), "button");
      announce(`${label} removed; not saved yet.`);
    } }, `Remove ${noun}`);
    const box = renderObject(path, schema, label, el("div", { class: "actions" }, remove), true);
    return box;
  }

  function renderList(path, schema, label) {
    const itemSchema = deref(schema.items).schema;
    const noun = nounOf(itemSchema.defName, label);
    const title = noun.charAt(0).toUpperCase() + noun.slice(1);
    const helpId = nextId("help");
    const box = el("fieldset", { class: "list", "data-path": jsonPath(path) });
    box.append(el("legend", {}, label));
    if (schema.description) box.append(el("p", { class: "help", id: helpId }, schema.description));
    box.append(findingsList());
    const value = getAt(path);
    const items = Array.isArray(value) ? value : [];
    items.forEach((_, i) => {
      const remove = el("button", { type: "button", class: "remove", onclick: () => {
        const list = getAt(path);
        list.splice(i, 1);
        setAt(path, list.length ? list : undefined);
        refreshed(box, renderList(path, schema, label), ".list-add");
        announce(`${title} ${i + 1} removed; not saved yet.`);
      } }, `Remove ${noun} ${i + 1}`);
      const controls = el("div", { class: "actions" }, remove);
      if (kindOf(itemSchema) === "object") {
        box.append(renderObject([...path, i], itemSchema, `${title} ${i + 1}`, controls, false));
      } else {
        const field = renderScalar([...path, i], itemSchema, kindOf(itemSchema), `${title} ${i + 1}`,
          true, false);
        field.append(controls);
        box.append(field);
      }
    });
    box.append(el("div", { class: "actions" }, el("button", { type: "button", class: "list-add",
      "aria-describedby": schema.description ? helpId : null,
      onclick: () => {
        const list = Array.isArray(getAt(path)) ? getAt(path) : [];
        list.push(kindOf(itemSchema) === "object" ? {} : "");
        setAt(path, list);
        const fresh = refreshed(box, renderList(path, schema, label), null);
        const added = fresh.querySelector(`[data-path="${CSS.escape(jsonPath([...path, list.length - 1]))}"]`);
        const first = added && added.querySelector(FOCUSABLE);
        if (first) first.focus();
        announce(`${title} ${list.length} added; not saved yet.`);
      } }, `Add ${noun}`)));
    return box;
  }

  function renderChoices(path, schema, label, required) {
    const options = deref(schema.items).schema.enum;
    const helpId = nextId("help");
    const box = el("fieldset", { class: "field choices", "data-path": jsonPath(path),
      "aria-describedby": schema.description ? helpId : null });
    box.append(el("legend", {}, label,
      required ? el("span", { class: "required-mark" }, " (required)") : null));
    if (schema.description) box.append(el("p", { class: "help", id: helpId }, schema.description));
    const current = () => (Array.isArray(getAt(path)) ? getAt(path) : []);
    for (const option of options) {
      const id = nextId("choice");
      const input = el("input", { type: "checkbox", id, value: option });
      input.checked = current().includes(option);
      input.addEventListener("change", () => {
        const rest = current().filter((v) => v !== option);
        const list = input.checked ? [...rest, option] : rest;
        setAt(path, list.length ? list : undefined);
      });
      box.append(el("label", { for: id }, input, choiceText(option)));
    }
    box.append(findingsList());
    return box;
  }

  const DATE = /^\d{4}-\d{2}-\d{2}$/;

  function renderScalar(path, schema, kind, label, required, nullable) {
    const value = getAt(path);
    const id = nextId("field");
    const helpId = nextId("help");
    const findingsId = nextId("findings");
    const box = el("div", { class: "field", "data-path": jsonPath(path) });
    const set = (v) => setAt(path, v);
    let input;
    let checkbox = false;
    if (kind === "date" && value !== undefined && value !== null
        && !(typeof value === "string" && DATE.test(value))) {
      kind = "text";  // a value the date control cannot hold stays visible, to be corrected
    }
    if (kind === "enum" || (kind === "boolean" && (nullable || schema.default === undefined))) {
      input = el("select", { id });
      const choices = kind === "enum" ? schema.enum.map((v) => [String(v), choiceText(v)])
        : [["true", "Yes"], ["false", "No"]];
      const shown = value === undefined || value === null ? "" : String(value);
      if (shown === "" || !required) {
        input.append(el("option", { value: "" }, required ? "Choose..." : "Not recorded"));
      }
      for (const [v, text] of choices) input.append(el("option", { value: v }, text));
      if (shown !== "" && !choices.some(([v]) => v === shown)) {
        input.append(el("option", { value: shown }, `${shown} (not a choice the format allows)`));
      }
      input.value = shown;
      input.addEventListener("change", () => {
        const v = input.value;
        if (v === "") set(undefined);
        else if (kind === "boolean") set(v === "true");
        else set(v);
      });
    } else if (kind === "boolean") {
      checkbox = true;
      input = el("input", { type: "checkbox", id });
      input.checked = value === true;
      input.addEventListener("change", () => set(input.checked ? true : undefined));
    } else if (kind === "number") {
      input = el("input", { type: "number", id, step: schema.type === "integer" ? "1" : "any",
        min: schema.minimum, max: schema.maximum, inputmode: "numeric" });
      input.value = typeof value === "number" ? String(value) : "";
      input.addEventListener("input", () => {
        const text = input.value;
        const number = Number(text);
        set(text === "" ? undefined : Number.isFinite(number) ? number : text);
      });
    } else {
      if (kind === "textarea") input = el("textarea", { id, rows: 3, maxlength: schema.maxLength });
      else if (kind === "date") input = el("input", { type: "date", id });
      else input = el("input", { type: "text", id, autocomplete: "off", spellcheck: "false" });
      input.value = typeof value === "string" ? value
        : value === undefined || value === null ? "" : JSON.stringify(value);
      input.addEventListener("input", () => set(input.value === "" ? undefined : input.value));
    }
    input.setAttribute("aria-describedby", schema.description ? `${helpId} ${findingsId}` : findingsId);
    if (required && !checkbox) input.setAttribute("aria-required", "true");
    const mark = required && !checkbox ? el("span", { class: "required-mark" }, " (required)") : null;
    if (checkbox) {
      box.append(el("div", { class: "check" }, input, el("label", { for: id }, label)));
    } else {
      box.append(el("label", { for: id }, label, mark), input);
    }
    if (schema.description) box.append(el("p", { class: "help", id: helpId }, schema.description));
    box.append(findingsList(findingsId));
    return box;
  }

  function renderForm() {
    state.implicit.clear();
    const form = document.getElementById("case-form");
    const root = state.schema;
    const required = new Set(root.required || []);
    const whole = el("div", { class: "field whole", "data-path": "$" }, findingsList());
    const parts = [whole];
    for (const [key, propSchema] of Object.entries(root.properties || {})) {
      parts.push(renderProperty([], key, propSchema, required.has(key)));
    }
    const unknown = Object.keys(state.doc).filter((k) => !(k in (root.properties || {})));
    if (unknown.length) {
      parts.push(el("p", { class: "extra" }, `Kept as it is, but not a field of the case-file `
        + `format (so not shown here): ${unknown.join(", ")}.`));
    }
    form.replaceChildren(...parts);
  }

  // ------------------------------------------------------------------ findings and checklists

  function nearest(path) {
    let at = path || "$";
    for (let guard = 0; guard < 100; guard++) {
      const found = document.querySelector(`[data-path="${CSS.escape(at)}"]`);
      if (found) return found;
      if (at === "$") return null;
      const cut = at.replace(/(\.[^.[\]]*|\[\d+\])$/, "");
      at = cut === at || cut === "" ? "$" : cut;
    }
    return null;
  }

  function goTo(path) {
    const box = nearest(path);
    if (!box) return;
    const target = box.matches(FOCUSABLE) ? box : box.querySelector(FOCUSABLE);
    box.scrollIntoView({ block: "center" });
    if (target) target.focus();
  }

  function entryParts(entry) {
    return [
      el("span", { class: "sev" }, entry.label), " ",
      entry.rule ? el("strong", {}, `${entry.rule} `) : null,
      entry.message, " ",
      el("span", { class: "at" }, `(at ${entry.path}${entry.line ? `, line ${entry.line}` : ""})`),
    ];
  }

  function showResult(result) {
    state.result = result;
    document.querySelectorAll(".field-findings").forEach((ul) => ul.replaceChildren());
    document.querySelectorAll("[aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
    const entries = [
      ...(result.problems || []).map((p) => ({ severity: "problem", label: "problem", rule: null,
        message: p.message, path: p.path || "$", line: p.line, url: null })),
      ...(result.findings || []).map((f) => ({ severity: f.severity,
        label: f.waived ? `waived ${f.severity}` : f.deviation ? "deviation recorded" : f.severity,
        rule: f.rule, message: f.message, path: f.path, line: f.line, url: f.url })),
    ];
    const panel = document.getElementById("findings");
    panel.replaceChildren();
    for (const entry of entries) {
      const box = nearest(entry.path);
      if (box) {
        const list = box.querySelector(":scope > .field-findings");
        if (list) list.append(el("li", { class: `sev-${entry.severity}` }, ...entryParts(entry)));
        if (box.getAttribute("data-path") === entry.path
            && (entry.severity === "error" || entry.severity === "problem")) {
          const control = box.querySelector(":scope > input, :scope > select, :scope > textarea");
          if (control) control.setAttribute("aria-invalid", "true");
        }
      }
      const link = entry.url && /^https?:\/\//.test(entry.url)
        ? el("a", { href: entry.url, target: "_blank", rel: "noopener noreferrer" },
          `handbook: ${entry.rule}`) : null;
      panel.append(el("li", { class: `sev-${entry.severity}` }, ...entryParts(entry),
        el("button", { type: "button", onclick: () => goTo(entry.path) }, "Go to field"),
        link ? " " : null, link));
    }
    document.getElementById("summary").textContent = summaryText(result);
    showChecklists(result);
  }

  function summaryText(result) {
    if (result.problems && result.problems.length) {
      const n = result.problems.length;
      return `The file does not match the case-file format yet: ${n} problem${n === 1 ? "" : "s"}.`;
    }
    const count = (s) => result.findings.filter((f) => f.severity === s && !f.waived && !f.deviation).length;
    const [e, w, a] = [count("error"), count("warning"), count("advice")];
    if (!e && !w && !a) return "No findings.";
    return `${e} error${e === 1 ? "" : "s"}, ${w} warning${w === 1 ? "" : "s"}, ${a} advice.`;
  }

  function showChecklists(result) {
    const box = document.getElementById("checklists");
    box.replaceChildren();
    if (!result.checklists || !result.checklists.length) {
      box.append(el("p", {}, result.problems && result.problems.length
        ? "Shown once the file matches the case-file format." : "None due at this stage."));
      return;
    }
    for (const checklist of result.checklists) {
      const headingId = nextId("checklist");
      const list = el("ul", { class: "checklist", "aria-labelledby": headingId });
      for (const item of checklist.items) {
        const met = item.status.startsWith("met");
        list.append(el("li", { "data-item": item.id },
          el("span", { class: "item-id" }, item.id),
          el("span", { class: `item-status${item.gap ? " gap" : met ? " met" : ""}` }, item.status),
          " ", item.text));
      }
      box.append(el("h3", { id: headingId }, `${checklist.title} (due by the `
        + `${choiceText(checklist.stage)} stage)`), list);
    }
  }

  // ------------------------------------------------------------------ checking and saving

  async function runCheck() {
    window.clearTimeout(state.timer);
    const seq = ++state.seq;
    try {
      const { status, data } = await call("POST", "/api/check", { case: state.doc });
      if (seq !== state.seq) return;  // a newer check is on its way
      if (status === 200) showResult(data);
      else announce(`The check failed: ${(data && data.error) || status}.`);
    } catch (_) {
      announce("The editor's local process is not answering (was it stopped?). Changes made "
        + "since the last save are only in this page.");
    }
  }

  async function save(base) {
    if (state.saving) return;
    state.saving = true;
    window.clearTimeout(state.timer);
    const sent = JSON.stringify(state.doc);
    try {
      const { status, data } = await call("POST", "/api/save",
        { base: base === undefined ? state.base : base, case: JSON.parse(sent) });
      if (status === 200) {
        state.base = data.base;
        if (JSON.stringify(state.doc) === sent) {
          state.dirty = false;
          document.getElementById("dirty").textContent = "";
        }
        hideConflict();
        state.seq++;  // any check still on its way judged an older version
        showResult(data);
        announce(`Saved at ${new Date().toLocaleTimeString()}. ${summaryText(data)}`);
      } else if (status === 409) {
        showConflict(data);
      } else {
        announce(`Not saved: ${(data && data.error) || `error ${status}`}.`);
      }
    } catch (_) {
      announce("Not saved: the editor's local process is not answering (was it stopped?).");
    } finally {
      state.saving = false;
    }
  }

  function showConflict(data) {
    state.conflict = data;
    const section = document.getElementById("conflict");
    const paths = document.getElementById("conflict-paths");
    paths.replaceChildren(...(data.paths || []).map((p) => el("li", {}, el("code", {}, p))));
    document.getElementById("conflict-text").textContent = !data.readable
      ? "Nothing was saved. Since this page loaded the file, it was removed or changed into "
        + "something that is no longer JSON."
      : (data.paths || []).length
        ? "Nothing was saved. Since this page loaded the file, another program or person "
          + "changed it. These parts differ between this page and the file on disk:"
        : "Nothing was saved. Since this page loaded the file, its layout changed on disk "
          + "(the content is the same as in this page).";
    section.hidden = false;
    document.getElementById("conflict-heading").focus();
    announce("Not saved: the file changed on disk. Choose which version to keep.");
  }

  function hideConflict() {
    state.conflict = null;
    document.getElementById("conflict").hidden = true;
  }

  async function reloadFromDisk() {
    const { status, data } = await call("GET", "/api/case");
    if (status !== 200) {
      announce(`Could not load the file: ${(data && data.error) || status}.`);
      return;
    }
    hideConflict();
    load(data);
    announce("Loaded the version on disk.");
    const first = document.querySelector("#case-form " + FOCUSABLE);
    if (first) first.focus();
  }

  function load(data) {
    state.doc = data.case;
    state.base = data.base;
    state.name = data.name;
    state.dirty = false;
    state.result = null;
    document.getElementById("dirty").textContent = "";
    document.getElementById("file-name").textContent = data.name;
    document.title = `${data.name} - case editor`;
    renderForm();
    runCheck();
  }

  async function start() {
    document.getElementById("save").addEventListener("click", () => save());
    document.getElementById("conflict-reload").addEventListener("click", reloadFromDisk);
    document.getElementById("conflict-overwrite").addEventListener("click",
      () => save(state.conflict ? state.conflict.current || "" : undefined));
    document.getElementById("case-form").addEventListener("submit", (e) => e.preventDefault());
    document.addEventListener("keydown", (e) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && (e.key === "s" || e.key === "S")) {
        e.preventDefault();
        save();
      }
    });
    window.addEventListener("beforeunload", (e) => {
      if (state.dirty) { e.preventDefault(); e.returnValue = ""; }
    });
    try {
      const [schema, found] = await Promise.all([call("GET", "/api/schema"), call("GET", "/api/case")]);
      if (schema.status !== 200 || found.status !== 200) {
        announce(`Could not load the case: ${(found.data && found.data.error) || found.status}.`);
        return;
      }
      state.schema = schema.data;
      load(found.data);
    } catch (_) {
      announce("Could not reach the editor's local process.");
    }
  }

  start();
})();
