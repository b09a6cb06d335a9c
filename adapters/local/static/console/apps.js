// Apps: the list, a form to create one or change its entrypoint (every field labelled, errors on the field),
// and each app's secrets.
"use strict";

import { api } from "./api.js";
import { $, el, field, showProblems, clock } from "./dom.js";

// name, label, input type, hint, default value, placeholder
const FIELDS = [
  ["name", "Name", "text", "letters, digits, '.', '_', '-'; unique per owner", "", "hello"],
  ["repository", "Repository (owner/name)", "text", "the GitHub repository it deploys", "", "acme/hello-wing"],
  ["default_branch", "Default branch", "text", "production deploys this branch", "main"],
  ["entrypoint", "Entrypoint", "text", "the Wing file to run, from the repository root", "main.w"],
  ["installation_id", "GitHub App installation id", "number", "any positive number with the embedded GitHub", "1"],
];

export class Apps {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx; // { changed(), notify(text, error), confirm(text) }
    this.apps = [];
    this.editing = null;
    this.table = el("table", { id: "apps", class: "grid" },
      el("caption", { class: "visually-hidden" }, "Apps"),
      el("thead", {}, el("tr", {}, ...["name", "repository", "default branch", "entrypoint", "installation", "last commit", ""].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}));
    this.empty = el("p", { class: "muted", id: "apps-empty" }, "No apps yet: create one below. Its production environment deploys at once.");
    this.form = el("form", { id: "app-form", class: "stacked", novalidate: true });
    this.formTitle = el("h3", { id: "app-form-title" }, "Create an app");
    this.inputs = {};
    for (const [name, label, type, hint, value, placeholder] of FIELDS) {
      const input = el("input", { name, type, id: `app-${name}`, value, placeholder, required: true, min: type === "number" ? "1" : undefined, autocomplete: "off" });
      this.inputs[name] = input;
      this.form.append(field(label, input, hint));
    }
    this.submit = el("button", { type: "submit" }, "Create app");
    this.cancel = el("button", { type: "button", class: "secondary", hidden: true, onclick: () => this.edit(null) }, "Cancel");
    this.status = el("p", { id: "app-form-status", role: "status" });
    this.form.append(el("div", { class: "buttons" }, this.submit, this.cancel), this.status);
    this.form.addEventListener("submit", (e) => { e.preventDefault(); this.save(); });
    this.secrets = new Secrets(ctx);
    root.append(
      el("div", { class: "two-columns" },
        el("div", {}, el("h3", {}, "Apps"), this.empty, this.table),
        el("div", {}, this.formTitle, this.form)),
      this.secrets.root,
    );
  }

  render(apps, envs) {
    this.apps = apps;
    const counts = {};
    for (const e of envs) if (e.status !== "stopped") counts[e.app_id] = (counts[e.app_id] || 0) + 1;
    this.empty.hidden = apps.length > 0;
    this.table.hidden = apps.length === 0;
    $("tbody", this.table).replaceChildren(...apps.map((a) =>
      el("tr", { "data-app-id": a.id },
        el("td", {}, el("strong", {}, a.name), el("div", { class: "muted small" }, `${counts[a.id] || 0} live environment(s)`)),
        el("td", {}, a.repository), el("td", {}, el("code", {}, a.default_branch)), el("td", {}, el("code", {}, a.entrypoint)),
        el("td", {}, String(a.installation_id)),
        el("td", { title: a.last_commit_message || "" }, a.last_commit_sha ? el("code", {}, a.last_commit_sha.slice(0, 7)) : "–"),
        el("td", { class: "actions" },
          el("button", { type: "button", class: "edit", onclick: () => this.edit(a) }, "Edit"),
          el("button", { type: "button", class: "secrets", onclick: () => this.secrets.open(a) }, "Secrets"),
          el("button", { type: "button", class: "delete danger", onclick: () => this.remove(a) }, "Delete")),
      )));
    this.secrets.setApps(apps);
  }

  edit(app) {
    this.editing = app;
    this.formTitle.textContent = app ? `Edit ${app.name}: its entrypoint` : "Create an app";
    for (const [name, , , , value] of FIELDS) {
      this.inputs[name].value = app ? String(app[name]) : value;
      this.inputs[name].disabled = Boolean(app) && name !== "entrypoint";
    }
    this.submit.textContent = app ? "Save entrypoint" : "Create app";
    this.cancel.hidden = !app;
    this.status.textContent = app ? "Only the entrypoint can change; every live environment redeploys with it." : "";
    showProblems(this.form, [], () => null);
    if (app) this.inputs.entrypoint.focus();
  }

  async save() {
    const body = {};
    for (const [name, , type] of FIELDS) body[name] = type === "number" ? Number(this.inputs[name].value) : this.inputs[name].value.trim();
    try {
      if (this.editing) {
        await api("PATCH", `/api/apps/${encodeURIComponent(this.editing.id)}`, { entrypoint: body.entrypoint });
        this.ctx.notify(`${this.editing.name} now runs ${body.entrypoint}.`);
        this.edit(null);
      } else {
        const app = await api("POST", "/api/apps", body);
        this.status.textContent = `Created ${app.name}: its production environment is deploying.`;
        showProblems(this.form, [], () => null);
      }
      this.ctx.changed();
    } catch (error) {
      const rest = showProblems(this.form, error.problems, (path) => this.inputs[path.replace(/^body\./, "").split(".")[0]]);
      this.status.textContent = rest.length || !error.problems.length ? error.message : "Fix the fields marked above.";
    }
  }

  async remove(app) {
    if (!(await this.ctx.confirm(`Delete ${app.name}? Its environments are stopped and deleted.`))) return;
    try {
      await api("DELETE", `/api/apps/${encodeURIComponent(app.id)}`);
      this.ctx.notify(`${app.name} deleted; its environments are stopping.`);
      this.ctx.changed();
    } catch (error) {
      this.ctx.notify(error.message, true);
    }
  }
}

class Secrets {
  constructor(ctx) {
    this.ctx = ctx;
    this.app = el("select", { id: "secret-app" });
    this.type = el("select", { id: "secret-type", name: "environment_type" }, el("option", { value: "preview" }, "preview"), el("option", { value: "production" }, "production"));
    this.name = el("input", { id: "secret-name", name: "name", placeholder: "SLACK_WEBHOOK_URL", autocomplete: "off" });
    this.value = el("input", { id: "secret-value", name: "value", type: "password", autocomplete: "new-password" });
    this.form = el("form", { id: "secret-form", class: "stacked", novalidate: true },
      field("App", this.app), field("Environment type", this.type), field("Name", this.name, "UPPER_SNAKE_CASE"),
      field("Value", this.value, "stored encrypted, never shown again"),
      el("div", { class: "buttons" }, el("button", { type: "submit" }, "Save secret")),
    );
    this.status = el("p", { id: "secret-status", role: "status" });
    this.list = el("table", { id: "secrets", class: "grid" },
      el("thead", {}, el("tr", {}, ...["name", "environment type", "value", "updated", ""].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}));
    this.root = el("section", { class: "secrets-panel", "aria-labelledby": "secrets-title" },
      el("h3", { id: "secrets-title" }, "Secrets"),
      el("p", { class: "muted" }, "Per app and environment type; the runtime reads them when it deploys. Events carry names only."),
      el("div", { class: "two-columns" }, el("div", {}, this.list, this.status), this.form));
    this.app.addEventListener("change", () => this.load());
    this.form.addEventListener("submit", (e) => { e.preventDefault(); this.save(); });
  }

  setApps(apps) {
    const keep = this.app.value;
    this.app.replaceChildren(...apps.map((a) => el("option", { value: a.id }, a.name)));
    if (apps.some((a) => a.id === keep)) this.app.value = keep;
    this.load();
  }

  open(app) {
    this.app.value = app.id;
    this.load();
    this.name.focus();
  }

  async load() {
    const id = this.app.value;
    if (!id) { $("tbody", this.list).replaceChildren(); this.status.textContent = "Create an app first."; return; }
    const secrets = await api("GET", `/api/apps/${encodeURIComponent(id)}/secrets`);
    this.status.textContent = secrets.length ? "" : "No secrets for this app.";
    $("tbody", this.list).replaceChildren(...secrets.map((s) =>
      el("tr", { "data-secret": `${s.environment_type}/${s.name}` },
        el("td", {}, el("code", {}, s.name)), el("td", {}, s.environment_type), el("td", {}, s.value), el("td", {}, clock(s.updated_at)),
        el("td", { class: "actions" }, el("button", { type: "button", class: "danger", onclick: () => this.remove(s) }, "Delete")))));
  }

  async save() {
    const body = { environment_type: this.type.value, name: this.name.value.trim(), value: this.value.value };
    try {
      await api("POST", `/api/apps/${encodeURIComponent(this.app.value)}/secrets`, body);
      showProblems(this.form, [], () => null);
      this.value.value = "";
      this.status.textContent = `Saved ${body.name} for ${body.environment_type} environments.`;
      await this.load();
    } catch (error) {
      const inputs = { name: this.name, value: this.value, environment_type: this.type };
      const problems = error.problems.length ? error.problems : [{ field: /name/i.test(error.message) ? "body.name" : "body", message: error.message }];
      const rest = showProblems(this.form, problems, (path) => inputs[path.replace(/^body\./, "")]);
      this.status.textContent = rest.length ? error.message : "";
    }
  }

  async remove(secret) {
    const query = new URLSearchParams({ environment_type: secret.environment_type, name: secret.name });
    await api("DELETE", `/api/apps/${encodeURIComponent(this.app.value)}/secrets?${query}`);
    await this.load();
  }
}
