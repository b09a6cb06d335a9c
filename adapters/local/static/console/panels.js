// Interaction panels: publish any message of the spec, send a signed sample webhook, play a runtime report.
"use strict";

import { api } from "./api.js";
import { $, el, field, showProblems } from "./dom.js";

function traceButton(ctx, correlationId, text = "Open its trace") {
  return el("button", { type: "button", class: "link-button open-trace", onclick: () => ctx.openTrace(correlationId) }, text);
}

// --- publish ---------------------------------------------------------------------------------------------

export class Publish {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx; // { openTrace }
    this.messages = [];
    this.select = el("select", { id: "publish-type", name: "detail_type" });
    this.sender = el("select", { id: "publish-sender", name: "sender" });
    this.about = el("div", { class: "about", id: "publish-about" });
    this.fields = el("div", { class: "publish-fields", id: "publish-fields" });
    this.status = el("div", { id: "publish-status", role: "status" });
    this.form = el("form", { id: "publish-form", class: "stacked", novalidate: true },
      field("Message", this.select, "every message of spec/asyncapi.yaml"),
      field("Published by", this.sender, "one of the services the spec lists as its senders"),
      this.about,
      el("fieldset", {}, el("legend", {}, "Detail (the spec's example; the bus adds the metadata)"), this.fields),
      el("div", { class: "buttons" },
        el("button", { type: "submit" }, "Validate and publish"),
        el("button", { type: "button", class: "secondary", onclick: () => this.fill() }, "Reset to the example")),
      this.status,
    );
    this.select.addEventListener("change", () => this.fill());
    this.form.addEventListener("submit", (e) => { e.preventDefault(); this.send(); });
    root.append(
      el("p", { class: "muted" }, "Publish an event as the service that sends it would: it is checked against the spec first, then delivered to every service that receives it."),
      this.form);
  }

  setMessages(messages) {
    this.messages = messages.filter((m) => m.senders.length);
    this.select.replaceChildren(...this.messages.map((m) => el("option", { value: m.name }, `${m.name} (${m.senders.join(", ")})`)));
    this.fill();
  }

  choose(name) {
    this.select.value = name;
    this.fill();
  }

  fill() {
    const m = this.messages.find((x) => x.name === this.select.value);
    if (!m) return;
    this.sender.replaceChildren(...m.senders.map((s) => el("option", { value: s }, s)));
    this.about.replaceChildren(
      el("p", {}, el("strong", {}, m.summary), " ", m.description),
      el("p", { class: "muted" }, `Receivers: ${m.receivers.join(", ") || "none"}`));
    this.inputs = {};
    this.fields.replaceChildren(...Object.entries(m.example).map(([name, value]) => {
      const kind = value === null ? "null" : Array.isArray(value) ? "json" : typeof value === "object" ? "json" : typeof value;
      let input;
      if (kind === "json") input = el("textarea", { rows: String(Math.min(8, JSON.stringify(value, null, 2).split("\n").length)), spellcheck: "false" }, JSON.stringify(value, null, 2));
      else if (kind === "boolean") input = el("select", {}, el("option", { value: "true" }, "true"), el("option", { value: "false" }, "false"));
      else input = el("input", { type: kind === "number" ? "number" : "text", value: value === null ? "" : String(value), placeholder: kind === "null" ? "empty: null" : "" });
      if (kind === "boolean") input.value = String(value);
      input.id = `publish-field-${name}`;
      input.dataset.kind = kind;
      input.dataset.name = name;
      this.inputs[name] = input;
      return field(name, input, m.fields[name] || "");
    }));
    this.status.replaceChildren();
    showProblems(this.form, [], () => null);
  }

  detail() {
    const detail = {};
    const problems = [];
    for (const [name, input] of Object.entries(this.inputs)) {
      const raw = input.value;
      const kind = input.dataset.kind;
      if (kind === "json") {
        try { detail[name] = JSON.parse(raw); } catch (error) { problems.push({ field: `detail.${name}`, message: `not valid JSON: ${error.message}` }); }
      } else if (kind === "number") detail[name] = raw.trim() === "" ? null : Number(raw);
      else if (kind === "boolean") detail[name] = raw === "true";
      else if (kind === "null") detail[name] = raw === "" ? null : raw;
      else detail[name] = raw;
    }
    return { detail, problems };
  }

  placeProblems(problems) {
    const rest = showProblems(this.form, problems, (path) => {
      const match = /^detail\.([^.[]+)/.exec(path);
      if (match) return this.inputs[match[1]];
      if (path === "body.sender") return this.sender;
      if (path === "body.detail_type") return this.select;
      return null;
    });
    return rest;
  }

  async send() {
    const { detail, problems } = this.detail();
    if (problems.length) {
      this.placeProblems(problems);
      this.status.replaceChildren(el("p", { class: "error" }, "Fix the fields marked above."));
      return;
    }
    try {
      const done = await api("POST", "/api/console/publish", { detail_type: this.select.value, sender: this.sender.value, detail });
      this.placeProblems([]);
      this.status.replaceChildren(el("p", { class: "ok" }, `Published ${done.detail_type} ${done.event_id} as ${done.sender}. `, traceButton(this.ctx, done.correlation_id)));
    } catch (error) {
      const rest = this.placeProblems(error.problems);
      this.status.replaceChildren(el("p", { class: "error", id: "publish-error" },
        error.problems.length ? `Not published: the spec refuses ${error.problems.length} field(s).` : error.message,
        ...rest.map((p) => el("span", { class: "block" }, `${p.field}: ${p.message}`))));
    }
  }
}

// --- sample webhook ----------------------------------------------------------------------------------------

export class Webhook {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx; // { openTrace }
    this.app = el("select", { id: "webhook-app" });
    this.kind = el("select", { id: "webhook-kind", name: "kind" },
      ...["pull_request.opened", "pull_request.synchronize", "pull_request.closed", "pull_request.reopened", "push"].map((k) => el("option", { value: k }, k)));
    this.repository = el("input", { id: "webhook-repository", name: "repository", placeholder: "owner/name" });
    this.branch = el("input", { id: "webhook-branch", name: "branch", value: "add-feature" });
    this.number = el("input", { id: "webhook-number", name: "number", type: "number", min: "1", value: "1" });
    this.base = el("input", { id: "webhook-base", name: "base", value: "main" });
    this.sha = el("input", { id: "webhook-sha", name: "sha", placeholder: "a new random commit", autocomplete: "off" });
    this.merged = el("input", { id: "webhook-merged", name: "merged", type: "checkbox" });
    this.installation = el("input", { id: "webhook-installation", name: "installation_id", type: "number", min: "1", value: "1" });
    this.status = el("div", { id: "webhook-status", role: "status" });
    this.form = el("form", { id: "webhook-form", class: "stacked", novalidate: true },
      field("App (fills repository, base and installation)", this.app),
      field("Webhook", this.kind, "a recorded GitHub delivery with these facts set"),
      field("Repository", this.repository), field("Branch", this.branch, "the pull request's head, or the pushed branch"),
      field("Pull request number", this.number), field("Base branch", this.base),
      field("Commit sha", this.sha, "40 hex digits; empty: a new random commit"),
      field("Installation id", this.installation),
      el("label", { class: "inline", for: "webhook-merged" }, this.merged, " closed by merging (pull_request.closed)"),
      el("div", { class: "buttons" }, el("button", { type: "submit" }, "Sign and send")),
      this.status,
    );
    this.app.addEventListener("change", () => this.fromApp());
    this.form.addEventListener("submit", (e) => { e.preventDefault(); this.send(); });
    root.append(el("p", { class: "muted" }, "GitHub's webhook, signed by this server with its own webhook secret and sent through its webhook door (signature check included), as `wingcloud trigger` does."), this.form);
  }

  setApps(apps) {
    const keep = this.app.value;
    this.apps = apps;
    this.app.replaceChildren(el("option", { value: "" }, "(type the repository)"), ...apps.map((a) => el("option", { value: a.id }, `${a.name} (${a.repository})`)));
    if (apps.some((a) => a.id === keep)) this.app.value = keep;
    else if (apps.length && !this.repository.value) { this.app.value = apps[0].id; this.fromApp(); }
  }

  fromApp() {
    const app = (this.apps || []).find((a) => a.id === this.app.value);
    if (!app) return;
    this.repository.value = app.repository;
    this.base.value = app.default_branch;
    this.installation.value = String(app.installation_id);
  }

  async send() {
    const body = {
      kind: this.kind.value, repository: this.repository.value.trim(), branch: this.branch.value.trim(),
      number: Number(this.number.value), base: this.base.value.trim(), merged: this.merged.checked,
      installation_id: Number(this.installation.value),
    };
    if (this.sha.value.trim()) body.sha = this.sha.value.trim();
    const inputs = { kind: this.kind, repository: this.repository, branch: this.branch, number: this.number, base: this.base, sha: this.sha, installation_id: this.installation };
    try {
      const sent = await api("POST", "/api/console/webhooks", body);
      showProblems(this.form, [], () => null);
      const good = sent.status < 300;
      this.status.replaceChildren(el("p", { class: good ? "ok" : "error", id: "webhook-answer" },
        `The webhook door answered ${sent.status}: ${sent.answer.detail || (sent.answer.duplicate ? "a duplicate" : "accepted")}. `,
        good ? traceButton(this.ctx, sent.delivery_id) : ""));
    } catch (error) {
      const rest = showProblems(this.form, error.problems, (path) => inputs[path.replace(/^body\./, "")]);
      this.status.replaceChildren(el("p", { class: "error" }, rest.length || !error.problems.length ? error.message : "Fix the fields marked above."));
    }
  }
}

// --- runtime report ----------------------------------------------------------------------------------------

export class Report {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.env = el("select", { id: "report-environment", name: "environment_id" });
    this.statusSelect = el("select", { id: "report-status", name: "status" },
      ...["deploying", "running-tests", "running-server", "tests-error", "running", "error"].map((s) => el("option", { value: s }, s)));
    this.deployment = el("input", { id: "report-deployment", name: "deployment_id", placeholder: "its current deployment", autocomplete: "off" });
    this.error = el("input", { id: "report-error", name: "error_message", placeholder: "for error" });
    this.endpoints = el("textarea", { id: "report-endpoints", name: "endpoints", rows: "2", placeholder: "website=https://example.test/" });
    this.status = el("div", { id: "report-state", role: "status" });
    this.form = el("form", { id: "report-form", class: "stacked", novalidate: true },
      field("Environment", this.env), field("Status", this.statusSelect),
      field("Deployment id", this.deployment, "an older one is recorded and rejected: try it"),
      field("Error message", this.error), field("Endpoints", this.endpoints, "one label=url per line, for running"),
      el("div", { class: "buttons" }, el("button", { type: "submit" }, "Send report")),
      this.status);
    this.form.addEventListener("submit", (e) => { e.preventDefault(); this.send(); });
    root.append(el("p", { class: "muted" }, "What a deployment's runtime agent reports, through the report door; the environment manager fences it by deployment and the transition table."), this.form);
  }

  setEnvironments(envs, names) {
    const keep = this.env.value;
    const live = envs.filter((e) => e.deployment_id);
    this.env.replaceChildren(...live.map((e) => el("option", { value: e.id }, `${names[e.app_id] || e.app_id} · ${e.type} ${e.branch} · ${e.status}`)));
    if (live.some((e) => e.id === keep)) this.env.value = keep;
  }

  async send() {
    const endpoints = this.endpoints.value.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
      const [label, ...url] = l.split("=");
      return { label: label.trim(), url: url.join("=").trim() };
    });
    const body = { environment_id: this.env.value, status: this.statusSelect.value, endpoints };
    if (this.deployment.value.trim()) body.deployment_id = this.deployment.value.trim();
    if (this.error.value.trim()) body.error_message = this.error.value.trim();
    const inputs = { environment_id: this.env, status: this.statusSelect, deployment_id: this.deployment, error_message: this.error, endpoints: this.endpoints };
    try {
      const played = await api("POST", "/api/console/reports", body);
      showProblems(this.form, [], () => null);
      this.status.replaceChildren(el("p", { class: played.stale ? "error" : "ok", id: "report-answer" },
        played.stale ? `Recorded, not applied: ${played.deployment_id} is not the current deployment (or the environment is stopped). `
          : `Report ${played.report_id} accepted for ${played.deployment_id}. `,
        traceButton(this.ctx, played.deployment_id, "Open the deployment's trace")));
    } catch (error) {
      const rest = showProblems(this.form, error.problems, (path) => inputs[path.replace(/^body\./, "").split(".")[0]]);
      this.status.replaceChildren(el("p", { class: "error" }, rest.length || !error.problems.length ? error.message : "Fix the fields marked above."));
    }
  }
}

export { $ };
