// The wingcloud console: plain DOM, the REST API and one EventSource for the live timeline.
"use strict";

const hashToken = new URLSearchParams(location.hash.slice(1)).get("token");
if (hashToken) {
  localStorage.setItem("wingcloud-token", hashToken);
  history.replaceState(null, "", location.pathname);
}
let token = localStorage.getItem("wingcloud-token") || "";

const $ = (selector) => document.querySelector(selector);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ""));
  return node;
};

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) {
    $("#login").hidden = false;
    throw new Error("unauthorized");
  }
  const data = await response.json();
  if (!response.ok) throw new Error(`${data.error}: ${data.detail}`);
  return data;
}

async function loadServices() {
  const data = await api("GET", "/api/services");
  $("#services").replaceChildren(
    ...data.services.map((s) => el("li", {}, el("b", {}, s.name), ` receives ${s.receives.length} message(s)`)),
  );
  $("#outside").textContent =
    "outside world: " + Object.entries(data.outside).map(([k, v]) => `${k}=${v}`).join(", ");
}

async function loadApps() {
  const apps = await api("GET", "/api/apps");
  $("#apps tbody").replaceChildren(
    ...apps.map((a) =>
      el("tr", { "data-app-id": a.id },
        el("td", {}, a.name), el("td", {}, a.repository), el("td", {}, a.default_branch),
        el("td", {}, a.entrypoint),
        el("td", {}, el("button", { class: "delete", onclick: () => api("DELETE", `/api/apps/${a.id}`).then(refresh) }, "Delete")),
      ),
    ),
  );
}

async function loadEnvironments() {
  const envs = await api("GET", "/api/environments");
  $("#environments tbody").replaceChildren(
    ...envs.map((e) =>
      el("tr", { "data-env-id": e.id, "data-status": e.status },
        el("td", {}, e.id), el("td", {}, e.app_id), el("td", {}, e.type), el("td", {}, e.branch),
        el("td", {}, e.pr_number ?? ""),
        el("td", { class: `status status-${e.status}` }, e.status),
        el("td", {}, e.url ? el("a", { href: e.url, target: "_blank" }, e.url) : ""),
        el("td", {},
          el("button", { class: "redeploy", onclick: () => api("POST", `/api/environments/${e.id}/redeploy`).catch(alert) }, "Redeploy"),
          el("button", { class: "show-logs", onclick: () => showLogs(e.id) }, "Logs"),
        ),
      ),
    ),
  );
}

async function showLogs(environmentId) {
  const data = await api("GET", `/api/environments/${environmentId}/logs`);
  const pre = $("#logs");
  pre.hidden = false;
  pre.textContent = `logs of ${environmentId}\n\n${data.logs || "(empty)"}`;
}

async function loadDeadLetters() {
  const letters = await api("GET", "/api/dead-letters");
  $("#dead-letters tbody").replaceChildren(
    ...letters.map((d) =>
      el("tr", { "data-letter-id": d.id },
        el("td", {}, d.id), el("td", {}, d.target ?? "(rejected at publish)"), el("td", {}, d.detail_type),
        el("td", { class: "error" }, `${d.error_code}: ${d.error_message}`), el("td", {}, d.attempts),
        el("td", {},
          el("button", { class: "redrive", onclick: () => api("POST", `/api/dead-letters/${d.id}/redrive`).then(loadDeadLetters).catch(alert) }, "Redrive"),
          el("button", { onclick: () => showTrace(d.correlation_id) }, "Trace"),
        ),
      ),
    ),
  );
}

function renderNode(node) {
  return el("li", {},
    el("span", { class: "event-type" }, node.detail_type), ` from ${node.source} at ${node.time}`,
    node.children.length ? el("ul", {}, ...node.children.map(renderNode)) : "",
  );
}

async function showTrace(correlationId) {
  const data = await api("GET", `/api/trace/${encodeURIComponent(correlationId)}`);
  $("#trace-id").textContent = correlationId;
  $("#trace").replaceChildren(
    el("h3", {}, "Causal tree"),
    el("ul", { class: "tree" }, ...data.tree.map(renderNode)),
    el("h3", {}, "Deliveries"),
    el("ol", { class: "records" },
      ...data.records.map((r) =>
        el("li", { class: `record record-${r.kind}` },
          `${r.kind} ${r.detail_type}`, r.target_service ? ` → ${r.target_service}` : "",
          r.attempt ? ` (attempt ${r.attempt})` : "", r.error ? ` — ${r.error}` : ""),
      ),
    ),
  );
}

function addToTimeline(entry) {
  const item = el("li", { class: "timeline-entry", "data-seq": entry.seq, onclick: () => showTrace(entry.correlation_id) },
    el("span", { class: "event-type" }, entry.detail_type), ` ${entry.source} `,
    el("small", {}, entry.time),
  );
  const list = $("#timeline");
  list.prepend(item);
  while (list.children.length > 300) list.lastChild.remove();
}

let pending = null;
function refreshSoon() {
  if (pending) return;
  pending = setTimeout(() => { pending = null; refresh(); }, 150);
}

function refresh() {
  return Promise.all([loadApps(), loadEnvironments(), loadDeadLetters()]).catch((e) => console.warn(e));
}

async function start() {
  if (!token) { $("#login").hidden = false; return; }
  await loadServices();
  await refresh();
  const recent = await api("GET", "/api/events?after=0&limit=1000");
  recent.slice(-100).forEach(addToTimeline);
  const after = recent.length ? recent[recent.length - 1].seq : 0;
  const source = new EventSource(`/api/stream?after=${after}&token=${encodeURIComponent(token)}`);
  source.onopen = () => { $("#connection").textContent = "live"; $("#connection").className = "pill live"; };
  source.onerror = () => { $("#connection").textContent = "reconnecting…"; $("#connection").className = "pill"; };
  source.addEventListener("event", (message) => { addToTimeline(JSON.parse(message.data)); refreshSoon(); });
  setInterval(loadDeadLetters, 3000);
}

$("#token-save").addEventListener("click", () => {
  token = $("#token-input").value.trim();
  localStorage.setItem("wingcloud-token", token);
  $("#login").hidden = true;
  start();
});

$("#app-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = Object.fromEntries(form.entries());
  body.installation_id = Number(body.installation_id);
  try {
    await api("POST", "/api/apps", body);
    $("#app-error").textContent = "";
    refresh();
  } catch (error) {
    $("#app-error").textContent = error.message;
  }
});

start();
