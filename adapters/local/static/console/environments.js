// Environments: status, URL, redeploy and stop; the live log of one, with search.
"use strict";

import { api, EventStream } from "./api.js";
import { $, $$, el, clock, safeLink, field, soon } from "./dom.js";

export class Environments {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx; // { simulated(): bool, openTrace, notify(text, error) }
    this.table = el("table", { id: "environments", class: "grid" },
      el("caption", { class: "visually-hidden" }, "Environments"),
      el("colgroup", {}, ...["c-app", "c-env", "c-pr", "c-status", "c-url", "c-updated", "c-actions"].map((c) => el("col", { class: c }))),
      el("thead", {}, el("tr", {}, ...["app", "environment", "PR", "status", "URL", "updated", ""].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}),
    );
    this.empty = el("p", { class: "muted", id: "environments-empty" }, "No environments yet: an app gets its production environment when it is created, a pull request its preview.");
    this.logs = new LogViewer();
    root.append(this.empty, this.table, this.logs.root);
  }

  render(envs, apps) {
    const names = Object.fromEntries(apps.map((a) => [a.id, a.name]));
    this.empty.hidden = envs.length > 0;
    this.table.hidden = envs.length === 0;
    const sorted = [...envs].sort((a, b) => (a.status === "stopped") - (b.status === "stopped") || b.updated_at.localeCompare(a.updated_at));
    $("tbody", this.table).replaceChildren(...sorted.map((e) => this.row(e, names[e.app_id])));
  }

  row(e, appName) {
    const live = e.status !== "stopped";
    const url = e.url
      ? this.ctx.simulated()
        ? el("span", { class: "not-a-link", title: "the simulated runtime serves nothing at this address" }, e.url, el("small", { class: "muted" }, " (simulated: not served)"))
        : safeLink(e.url)
      : el("span", { class: "muted" }, "–");
    return el("tr", { "data-environment": e.id, "data-status": e.status },
      el("td", { title: e.app_id }, appName || e.app_id),
      el("td", {}, el("div", {}, `${e.type} `, el("code", {}, e.branch)), el("small", { class: "muted" }, e.id)),
      el("td", {}, e.pr_number ? `#${e.pr_number}` : "–"),
      el("td", {}, el("span", { class: `status status-${e.status}` }, e.status),
        e.error_message ? el("div", { class: "error small", title: e.error_message }, e.error_message) : ""),
      el("td", { class: "url" }, url),
      el("td", {}, clock(e.updated_at)),
      el("td", { class: "actions" },
        el("button", { type: "button", class: "show-logs", onclick: () => this.logs.open(e, appName) }, "Logs"),
        el("button", { type: "button", class: "redeploy", disabled: !(e.status === "running" || e.status === "error") || undefined,
          title: "Redeploy at its current commit (from running or error)", onclick: () => this.act(e, "redeploy") }, "Redeploy"),
        el("button", { type: "button", class: "stop danger", disabled: !live || undefined, title: "Stop: destroy its runtime, DNS names and logs",
          onclick: () => this.act(e, "stop") }, "Stop"),
      ),
    );
  }

  async act(e, action) {
    try {
      await api("POST", `/api/environments/${encodeURIComponent(e.id)}/${action}`);
      this.ctx.notify(`${action === "stop" ? "Stop" : "Redeploy"} of ${e.id} requested.`);
    } catch (error) {
      this.ctx.notify(error.message, true);
    }
  }
}

class LogViewer {
  constructor() {
    this.search = el("input", { type: "search", id: "logs-search", placeholder: "show lines containing…" });
    this.follow = el("input", { type: "checkbox", id: "logs-follow", checked: true });
    this.title = el("h3", { id: "logs-title" }, "Logs");
    this.state = el("p", { class: "muted", id: "logs-state" });
    this.lines = el("div", { id: "logs", class: "logs", role: "log", tabindex: "0", "aria-label": "log lines" });
    this.root = el("section", { class: "log-viewer", id: "log-viewer", hidden: true },
      el("div", { class: "log-head" }, this.title,
        field("Search", this.search),
        el("label", { class: "inline" }, this.follow, " follow new lines"),
        el("button", { type: "button", class: "secondary", onclick: () => this.close() }, "Close")),
      this.state, this.lines);
    this.search.addEventListener("input", () => soon("logs-search", () => this.filter(), 120));
    this.source = null;
  }

  open(env, appName) {
    this.close();
    this.root.hidden = false;
    this.env = env;
    this.title.textContent = `Logs of ${appName || env.app_id} · ${env.type} ${env.branch}`;
    this.state.textContent = "connecting…";
    this.lines.replaceChildren();
    this.partial = "";
    this.source = new EventStream("/api/console/logs", { environment: env.id });
    this.source.addEventListener("reset", (m) => {
      const { deployment_id } = JSON.parse(m.data);
      this.lines.replaceChildren();
      this.partial = "";
      this.state.textContent = deployment_id ? `deployment ${deployment_id}, live` : "no deployment has logged yet";
    });
    this.source.addEventListener("lines", (m) => this.append(JSON.parse(m.data).text));
    this.source.onerror = () => { this.state.textContent = "reconnecting…"; };
    this.root.scrollIntoView({ block: "nearest" });
  }

  append(text) {
    const parts = (this.partial + text).split("\n");
    this.partial = parts.pop();
    const query = this.search.value.trim().toLowerCase();
    for (const line of parts) {
      const row = el("div", { class: "log-line" }, line);
      row.hidden = Boolean(query) && !line.toLowerCase().includes(query);
      this.lines.append(row);
    }
    if (this.follow.checked) this.lines.scrollTop = this.lines.scrollHeight;
  }

  filter() {
    const query = this.search.value.trim().toLowerCase();
    let shown = 0;
    for (const row of $$(".log-line", this.lines)) {
      const text = row.textContent;
      const hit = !query || text.toLowerCase().includes(query);
      row.hidden = !hit;
      if (hit) shown += 1;
      row.replaceChildren(...(query && hit ? highlight(text, query) : [text]));
    }
    if (query) this.state.textContent = `${shown} line${shown === 1 ? "" : "s"} contain "${this.search.value.trim()}"`;
  }

  close() {
    if (this.source) this.source.close();
    this.source = null;
    this.root.hidden = true;
  }
}

function highlight(text, query) {
  const parts = [];
  const lower = text.toLowerCase();
  let at = 0;
  for (let i = lower.indexOf(query); i >= 0; i = lower.indexOf(query, at)) {
    parts.push(text.slice(at, i), el("mark", {}, text.slice(i, i + query.length)));
    at = i + query.length;
  }
  parts.push(text.slice(at));
  return parts;
}
