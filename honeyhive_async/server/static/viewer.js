// The local HoneyHive viewer. Plain DOM, no framework, no build step.
// Captured text is only ever set with textContent: never parsed as HTML.
"use strict";

const KEY_ITEM = "honeyhive-viewer-key";
const POLL_MS = 1500;
const PAGE_SIZE = 50;
const CUT = 600; // characters of a long text shown before "show more"

const $ = (id) => document.getElementById(id);
const state = { project: "", q: "", errors: false, page: 1, session: "", event: "", revision: -1, events: [], loaded: "", collapsed: new Set() };

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

// -- the key: from the link's fragment into sessionStorage, then out of the address bar --
function takeKeyFromFragment() {
  const params = new URLSearchParams(location.hash.slice(1));
  const key = params.get("key");
  if (key) {
    sessionStorage.setItem(KEY_ITEM, key);
    history.replaceState(history.state, "", location.pathname + location.search);
  }
}

function key() { return sessionStorage.getItem(KEY_ITEM) || ""; }

class SignedOut extends Error {}

async function api(path) {
  const response = await fetch(path, { headers: { Authorization: "Bearer " + key() }, cache: "no-store" });
  if (response.status === 401) throw new SignedOut("the key was refused");
  if (!response.ok) {
    let message = response.statusText;
    try { message = (await response.json()).message; } catch (e) { /* not JSON */ }
    throw new Error(message);
  }
  return path.endsWith("/export") ? response.text() : response.json();
}

function say(text) { $("status").textContent = text || ""; }

// -- URL <-> state --------------------------------------------------------------
function readUrl() {
  const p = new URLSearchParams(location.search);
  state.project = p.get("project") || state.project;
  state.q = p.get("q") || "";
  state.errors = p.get("errors") === "1";
  state.page = Math.max(1, parseInt(p.get("page") || "1", 10) || 1);
  state.session = p.get("session") || "";
  state.event = p.get("event") || "";
}

function url(overrides) {
  const s = Object.assign({}, state, overrides || {});
  const p = new URLSearchParams();
  if (s.project) p.set("project", s.project);
  if (s.q) p.set("q", s.q);
  if (s.errors) p.set("errors", "1");
  if (s.page > 1) p.set("page", String(s.page));
  if (s.session) p.set("session", s.session);
  if (s.event) p.set("event", s.event);
  const query = p.toString();
  return location.pathname + (query ? "?" + query : "");
}

function go(overrides) {
  Object.assign(state, overrides);
  history.pushState(null, "", url());
  render();
}

// -- formatting -------------------------------------------------------------------
function ms(value) {
  if (value === null || value === undefined) return "";
  if (value < 1) return value.toFixed(2) + " ms";
  if (value < 1000) return Math.round(value) + " ms";
  if (value < 60000) return (value / 1000).toFixed(2) + " s";
  return (value / 60000).toFixed(1) + " min";
}
function when(value) { return value === null || value === undefined ? "" : new Date(value).toLocaleString(); }
function count(value) { return value === null || value === undefined ? "" : Number(value).toLocaleString(); }

// -- sessions list ----------------------------------------------------------------
async function loadProjects() {
  const body = await api("/viewer/api/projects");
  const select = $("project");
  select.replaceChildren();
  for (const p of body.projects) {
    const option = el("option", "", p.project + " (" + p.sessions + ")");
    option.value = p.project;
    select.append(option);
  }
  if (!state.project && body.projects.length) state.project = body.projects[0].project;
  select.value = state.project;
  return body.projects.length;
}

async function loadSessions() {
  const rows = $("session-rows");
  if (!state.project) {
    rows.replaceChildren(emptyRow("No events yet. Point an SDK at this server and they appear here."));
    return;
  }
  const p = new URLSearchParams({ project: state.project, q: state.q, errors: state.errors ? "1" : "0", page: String(state.page), limit: String(PAGE_SIZE) });
  const body = await api("/viewer/api/sessions?" + p.toString());
  const out = [];
  for (const s of body.sessions) {
    const tr = el("tr");
    tr.dataset.session = s.session_id;
    const name = el("td", "", s.name || s.session_id);
    name.title = s.session_id;
    tr.append(name, el("td", "", when(s.start_time)), el("td", "num", ms(s.duration)),
      el("td", "num", count(s.events)), el("td", s.errors ? "num bad" : "num", s.errors || ""),
      el("td", "num", count(s.tokens)));
    tr.addEventListener("click", () => go({ session: s.session_id, event: "" }));
    out.push(tr);
  }
  rows.replaceChildren(...(out.length ? out : [emptyRow("No session matches.")]));
  const pages = Math.max(1, Math.ceil(body.total / PAGE_SIZE));
  $("page").textContent = "page " + state.page + " of " + pages + " · " + body.total + " sessions";
  $("prev").disabled = state.page <= 1;
  $("next").disabled = state.page >= pages;
}

function emptyRow(text) {
  const tr = el("tr");
  const td = el("td", "empty", text);
  td.colSpan = 6;
  tr.append(td);
  return tr;
}

// -- one session: tree and waterfall ------------------------------------------------
async function loadSession() {
  const body = await api("/viewer/api/sessions/" + encodeURIComponent(state.session));
  state.events = body.events;
  state.loaded = state.session;
  drawTree();
}

// The tree is drawn lazily: all rows have their place in a tall box, and only
// those in sight (and a margin) exist as elements, so 10,000 events scroll
// as lightly as 10.
const ROW = 24;
const tree = { flat: [], start: 0, span: 1 };

function drawTree() {
  const events = state.events;
  const byId = new Map(events.map((e) => [e.id, e]));
  const children = new Map();
  const roots = [];
  for (const e of events) {
    const parent = e.parent && e.parent !== e.id && byId.has(e.parent) ? e.parent : null;
    if (parent === null) roots.push(e);
    else {
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(e);
    }
  }
  let start = Infinity, end = -Infinity, failed = 0;
  for (const e of events) {
    if (e.start !== null) start = Math.min(start, e.start);
    if (e.end !== null) end = Math.max(end, e.end);
    if (e.error) failed += 1;
  }
  tree.start = start;
  tree.span = Math.max(end - start, 1e-3);
  const head = byId.get(state.session);
  $("session-title").textContent = head ? head.name : state.session;
  $("session-facts").textContent = events.length + " events · " + ms(end - start) + (failed ? " · " + failed + " errors" : "");
  const flat = [];
  const stack = roots.slice().reverse().map((e) => [e, 0]);
  while (stack.length) {
    const [e, depth] = stack.pop();
    const kids = children.get(e.id) || [];
    flat.push([e, depth, kids.length]);
    if (!state.collapsed.has(e.id)) {
      for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i], depth + 1]);
    }
  }
  tree.flat = flat;
  const box = $("tree");
  const rows = el("div", "rows");
  rows.style.height = flat.length * ROW + "px";
  box.replaceChildren(rows);
  box.dataset.rows = String(flat.length);
  const at = flat.findIndex((item) => item[0].id === state.event);
  if (at >= 0 && (at * ROW < box.scrollTop || (at + 1) * ROW > box.scrollTop + box.clientHeight)) {
    box.scrollTop = Math.max(0, at * ROW - box.clientHeight / 2);
  }
  drawRows();
}

function drawRows() {
  const box = $("tree");
  const rows = box.firstChild;
  if (!rows) return;
  const first = Math.max(0, Math.floor(box.scrollTop / ROW) - 10);
  const last = Math.min(tree.flat.length, first + Math.ceil((box.clientHeight || 800) / ROW) + 20);
  const fragment = document.createDocumentFragment();
  for (let i = first; i < last; i++) {
    const [e, depth, kids] = tree.flat[i];
    const row = treeRow(e, depth, kids, tree.start, tree.span);
    row.style.top = i * ROW + "px";
    fragment.append(row);
  }
  rows.replaceChildren(fragment);
}

function treeRow(e, depth, kids, start, span) {
  const row = el("div", "row" + (e.error ? " failed" : "") + (e.id === state.event ? " selected" : ""));
  row.setAttribute("role", "treeitem");
  row.dataset.event = e.id;
  const label = el("div", "label");
  label.style.paddingLeft = 6 + depth * 14 + "px";
  const toggle = el("button", "toggle", kids ? (state.collapsed.has(e.id) ? "▸" : "▾") : "");
  toggle.type = "button";
  if (kids) toggle.setAttribute("aria-label", "collapse or expand");
  label.append(toggle, el("span", "badge " + e.type, e.type), el("span", "name", e.name));
  if (e.error) label.append(el("span", "mark", "!"));
  const lane = el("div", "lane");
  if (e.start !== null) {
    const bar = el("div", "span " + e.type + (e.error ? " failed" : ""));
    const left = ((e.start - start) / span) * 100;
    bar.style.left = left + "%";
    bar.style.width = Math.max(((e.end - e.start) / span) * 100, 0.2) + "%";
    const label2 = el("span", "ms", ms(e.duration));
    const right = left + ((e.end - e.start) / span) * 100;
    if (right > 88) label2.style.right = 100 - left + 0.5 + "%";
    else label2.style.left = right + 0.5 + "%";
    lane.append(bar, label2);
  }
  row.append(label, lane);
  return row;
}

function treeClick(event) {
  const row = event.target.closest(".row");
  if (!row) return;
  const id = row.dataset.event;
  if (event.target.closest(".toggle")) {
    if (state.collapsed.has(id)) state.collapsed.delete(id); else state.collapsed.add(id);
    drawTree();
    return;
  }
  go({ event: id });
}

// -- one event: the detail pane ---------------------------------------------------------
async function loadEvent() {
  const pane = $("detail");
  const ev = await api("/viewer/api/events/" + encodeURIComponent(state.event));
  pane.replaceChildren();
  pane.append(el("h3", "", ev.event_name));
  pane.append(el("div", "facts", ev.event_type + " · " + when(ev.start_time) + " · " + ms(ev.duration)));
  pane.append(el("div", "facts", "event_id " + ev.event_id));
  pane.append(el("div", "facts", "source " + ev.source + " · parent " + (ev.parent_id || "none")));
  const actions = el("div", "actions");
  const copy = el("button", "", "Copy as JSON");
  copy.type = "button";
  copy.id = "copy";
  copy.addEventListener("click", () => copyText(JSON.stringify(ev, null, 2)));
  const link = el("button", "", "Copy link");
  link.type = "button";
  link.addEventListener("click", () => copyText(location.origin + url()));
  actions.append(copy, link);
  pane.append(actions);
  if (ev.error) { pane.append(el("h4", "", "Error")); pane.append(longText(ev.error, "error")); }
  for (const field of ["inputs", "outputs", "config", "metadata", "metrics", "feedback", "user_properties"]) {
    const value = ev[field];
    if (value === null || value === undefined) continue;
    if (typeof value === "object" && Object.keys(value).length === 0) continue;
    const section = el("section", "field");
    section.dataset.field = field;
    section.append(el("h4", "", field.replace("_", " ")));
    if (ev.truncated.includes(field)) {
      section.append(el("p", "error", "Too large to show whole: the first characters of its JSON follow."));
      section.append(longText(value, "text"));
    } else section.append(fieldView(field, value));
    pane.append(section);
  }
}

function isMessage(value) {
  return value && typeof value === "object" && !Array.isArray(value) && typeof value.role === "string" && "content" in value;
}

function fieldView(field, value) {
  if (field === "inputs" && Array.isArray(value.chat_history) && value.chat_history.every(isMessage)) {
    const wrap = el("div");
    wrap.append(chat(value.chat_history));
    const rest = Object.assign({}, value);
    delete rest.chat_history;
    if (Object.keys(rest).length) wrap.append(json(rest));
    return wrap;
  }
  if (field === "outputs" && isMessage(value)) return chat([value]);
  if (field === "outputs" && Array.isArray(value.choices) && value.choices.every(isMessage)) return chat(value.choices);
  return json(value);
}

function chat(messages) {
  const list = el("div", "chat");
  for (const m of messages) {
    const box = el("div", "msg " + m.role.replace(/[^a-z]/gi, ""));
    box.append(el("div", "role", m.role));
    const content = m.content;
    if (typeof content === "string") box.append(longText(content, "text"));
    else if (content !== null && content !== undefined) box.append(json(content));
    const extra = Object.assign({}, m);
    delete extra.role;
    delete extra.content;
    if (Object.keys(extra).length) box.append(json(extra));
    list.append(box);
  }
  return list;
}

function longText(text, cls) {
  const node = el("pre", cls);
  const whole = String(text);
  if (whole.length <= CUT) { node.textContent = whole; return node; }
  node.textContent = whole.slice(0, CUT) + "…";
  const more = el("button", "more", "show more (" + whole.length.toLocaleString() + " characters)");
  more.type = "button";
  more.addEventListener("click", () => { node.textContent = whole; more.remove(); });
  const wrap = el("div");
  wrap.append(node, more);
  return wrap;
}

function json(value) {
  const root = el("div", "json");
  root.append(jsonNode(null, value, 0));
  return root;
}

function jsonNode(name, value, depth) {
  if (value !== null && typeof value === "object") {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
    const box = el("details");
    box.open = depth < 2 && entries.length <= 50;
    const summary = el("summary");
    if (name !== null) summary.append(el("span", "key", name + ": "));
    summary.append(el("span", "", Array.isArray(value) ? "[" + entries.length + "]" : "{" + entries.length + "}"));
    box.append(summary);
    for (const [k, v] of entries) box.append(jsonNode(k, v, depth + 1));
    return box;
  }
  const line = el("div");
  if (name !== null) line.append(el("span", "key", name + ": "));
  if (typeof value === "string") {
    const quoted = JSON.stringify(value);
    line.append(quoted.length <= CUT ? el("span", "str", quoted) : longText(quoted, "str"));
  } else line.append(el("span", typeof value === "number" ? "num" : "lit", String(value)));
  return line;
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    say("Copied.");
  } catch (e) {
    say("Could not copy: " + e.message);
  }
}

async function download() {
  const text = await api("/viewer/api/sessions/" + encodeURIComponent(state.session) + "/export");
  const blob = new Blob([text], { type: "application/x-ndjson" });
  const link = el("a");
  link.href = URL.createObjectURL(blob);
  link.download = "session-" + state.session + ".jsonl";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

// -- putting it together ------------------------------------------------------------------
async function render() {
  try {
    $("filter").value = state.q;
    $("errors").checked = state.errors;
    const inSession = Boolean(state.session);
    $("sessions").hidden = inSession;
    $("session").hidden = !inSession;
    $("detail").hidden = !(inSession && state.event);
    if (inSession) {
      if (state.loaded !== state.session) { state.collapsed.clear(); await loadSession(); } else drawTree();
      if (state.event) await loadEvent();
    } else {
      await loadSessions();
    }
    say("");
  } catch (e) {
    failed(e);
  }
}

function failed(e) {
  if (e instanceof SignedOut) { signIn("That key was refused."); return; }
  say("Error: " + e.message);
}

async function poll() {
  try {
    const body = await api("/viewer/api/revision");
    $("live").classList.remove("off");
    if (body.revision !== state.revision) {
      const first = state.revision === -1;
      state.revision = body.revision;
      if (!first) {
        await loadProjects();
        if (state.session) await loadSession(); else await loadSessions();
      }
    }
  } catch (e) {
    $("live").classList.add("off");
    if (e instanceof SignedOut) { signIn("That key was refused."); return; }
  }
  setTimeout(poll, POLL_MS);
}

function signIn(message) {
  $("app").hidden = true;
  $("signin").hidden = false;
  $("signin-error").textContent = message || "";
}

async function start() {
  $("signin").hidden = true;
  $("app").hidden = false;
  try {
    await loadProjects();
  } catch (e) {
    failed(e);
    return;
  }
  await render();
  poll();
}

function wire() {
  $("signin").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY_ITEM, $("key").value.trim());
    $("key").value = "";
    start();
  });
  $("project").addEventListener("change", () => go({ project: $("project").value, page: 1, session: "", event: "" }));
  let typing = 0;
  $("filter").addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => go({ q: $("filter").value, page: 1, session: "", event: "" }), 250);
  });
  $("errors").addEventListener("change", () => {
    clearTimeout(typing); // the filter's pending text goes with this change
    go({ q: $("filter").value, errors: $("errors").checked, page: 1, session: "", event: "" });
  });
  $("prev").addEventListener("click", () => go({ page: state.page - 1 }));
  $("next").addEventListener("click", () => go({ page: state.page + 1 }));
  $("close").addEventListener("click", () => go({ session: "", event: "" }));
  $("tree").addEventListener("click", treeClick);
  $("tree").addEventListener("scroll", () => requestAnimationFrame(drawRows));
  $("download").addEventListener("click", () => download().catch(failed));
  window.addEventListener("popstate", () => { readUrl(); render(); });
}

document.addEventListener("DOMContentLoaded", () => {
  takeKeyFromFragment();
  readUrl();
  wire();
  if (key()) start(); else signIn();
});
