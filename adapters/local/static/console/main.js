// The wingcloud console: the map, the inspector, the timeline and trace, and the panels that poke the system.
// Plain modules over the REST API and one server-sent event stream; no build step (docs/decisions/0010).
"use strict";

import { api, auth, setToken, EventStream } from "./api.js";
import { $, $$, el, soon } from "./dom.js";
import { ServiceMap } from "./map.js";
import { Inspector } from "./inspector.js";
import { Timeline } from "./timeline.js";
import { Waterfall } from "./waterfall.js";
import { Environments } from "./environments.js";
import { Apps } from "./apps.js";
import { Publish, Webhook, Report } from "./panels.js";
import { Outside, DeadLetters } from "./operations.js";

const state = { apps: [], envs: [], receivers: {}, outside: {}, source: null };

// --- tabs ------------------------------------------------------------------------------------------------

const tabs = $$('[role="tab"]');
export function showTab(name, focus = false) {
  for (const tab of tabs) {
    const on = tab.dataset.tab === name;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    $(`#${tab.getAttribute("aria-controls")}`).hidden = !on;
    if (on && focus) tab.focus();
  }
  if (name === "outside") outside.load().catch(warn);
  if (name === "dead-letters") deadLetters.load().catch(warn);
}
for (const tab of tabs) {
  tab.addEventListener("click", () => showTab(tab.dataset.tab));
  tab.addEventListener("keydown", (e) => {
    const i = tabs.indexOf(tab);
    const next = e.key === "ArrowRight" ? tabs[(i + 1) % tabs.length] : e.key === "ArrowLeft" ? tabs[(i - 1 + tabs.length) % tabs.length]
      : e.key === "Home" ? tabs[0] : e.key === "End" ? tabs[tabs.length - 1] : null;
    if (next) { e.preventDefault(); showTab(next.dataset.tab, true); }
  });
}
const visible = (name) => !$(`#tab-${name}`).hidden;

// --- feedback --------------------------------------------------------------------------------------------

function warn(error) { console.warn(error); }

function notify(text, error = false) {
  const box = $("#notice");
  box.className = error ? "notice error" : "notice";
  box.textContent = text;
  box.hidden = false;
  soon("notice", () => { box.hidden = true; }, 6000);
}

function confirmDialog(text) {
  const dialog = $("#confirm-dialog");
  $("#confirm-text").textContent = text;
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true });
  });
}

// --- the parts -------------------------------------------------------------------------------------------

function openTrace(correlationId, eventId = null) {
  showTab("trace");
  waterfall.show(correlationId, eventId).catch(warn);
  $("#tab-trace").scrollIntoView({ block: "start" });
}

function selectService(name) {
  map.select(name);
  inspector.show(name).catch(warn);
  $("#inspector").scrollIntoView({ block: "nearest" });
}

const map = new ServiceMap($("#map"), selectService);
const inspector = new Inspector($("#inspector-body"), { openTrace, selectService });
const timeline = new Timeline($("#tab-timeline"), { openTrace, receiversOf: (t) => state.receivers[t] || [] });
const waterfall = new Waterfall($("#tab-trace"), { selectService });
const environments = new Environments($("#tab-environments"), {
  simulated: () => String(state.outside.runtime || "").startsWith("simulated"), openTrace, notify,
});
const apps = new Apps($("#tab-apps"), { changed: () => refreshLists(), notify, confirm: confirmDialog });
const publish = new Publish($("#tab-publish"), { openTrace });
const webhook = new Webhook($("#tab-webhook"), { openTrace });
const report = new Report($("#tab-report"), { openTrace });
const outside = new Outside($("#tab-outside"), { openTrace });
const deadLetters = new DeadLetters($("#tab-dead-letters"), { openTrace, notify });

// --- data ------------------------------------------------------------------------------------------------

async function refreshLists() {
  const [appList, envList] = await Promise.all([api("GET", "/api/apps"), api("GET", "/api/environments")]);
  state.apps = appList;
  state.envs = envList;
  const names = Object.fromEntries(appList.map((a) => [a.id, a.name]));
  environments.render(envList, appList);
  apps.render(appList, envList);
  webhook.setApps(appList);
  report.setEnvironments(envList, names);
  timeline.setOptions({
    environments: envList.map((e) => [e.id, `${names[e.app_id] || e.app_id} · ${e.type} ${e.branch}${e.pr_number ? ` #${e.pr_number}` : ""} (${e.status})`]),
  });
  $("#start-here").hidden = appList.length > 0 || envList.length > 0;
}

async function loadMap() {
  const data = await api("GET", "/api/console/map");
  state.outside = data.outside;
  map.render(data);
  const names = { github: "GitHub", runtime: "runtime", dns: "DNS" };
  $("#outside-summary").replaceChildren(...Object.entries(data.outside).flatMap(([k, v], i) => [
    i ? " · " : "", el("span", { title: v }, `${names[k] || k}: `, el("strong", {}, v.split(" (")[0])),
  ]));
  outside.setServices(map.services());
  timeline.setOptions({ services: map.services() });
}

function onEvent(entry) {
  map.onEvent(entry);
  timeline.onEvent(entry);
  soon("lists", () => refreshLists().catch(warn), 200);
  if (waterfall.correlation === entry.correlation_id) soon("waterfall", () => waterfall.refresh(), 250);
}

function onStep(step) {
  map.onStep(step);
  if (inspector.name && (step.target_service === inspector.name)) soon("inspector", () => inspector.refresh(), 300);
  if (waterfall.correlation === step.correlation_id) soon("waterfall", () => waterfall.refresh(), 250);
  if (["dead-lettered", "redriven"].includes(step.kind)) soon("dead-letters", () => deadLetters.load().catch(warn), 200);
  if (visible("outside")) soon("outside", () => outside.load().catch(warn), 500);
}

function connect(after) {
  if (state.source) state.source.close();
  const source = new EventStream("/api/console/stream", after ? { events_after: String(after) } : {});
  const pill = $("#connection");
  source.onopen = () => { pill.textContent = "live"; pill.className = "pill live"; };
  source.onerror = () => { pill.textContent = "reconnecting…"; pill.className = "pill"; };
  source.addEventListener("event", (m) => onEvent(JSON.parse(m.data)));
  source.addEventListener("step", (m) => onStep(JSON.parse(m.data)));
  state.source = source;
}

async function start() {
  if (!auth.token) { $("#login").hidden = false; $("#token-input").focus(); return; }
  const [messages] = await Promise.all([api("GET", "/api/console/messages"), loadMap()]);
  state.receivers = Object.fromEntries(messages.map((m) => [m.name, m.receivers]));
  publish.setMessages(messages);
  timeline.setOptions({ messages: messages.map((m) => m.name) });
  await refreshLists();
  const entries = await timeline.apply();
  await deadLetters.load();
  connect(entries.length && !Object.keys(timeline.filters).length ? entries[0].seq : null);
}

// --- reset -----------------------------------------------------------------------------------------------

const resetDialog = $("#reset-dialog");
$("#reset-open").addEventListener("click", () => { $("#reset-confirm").value = ""; $("#reset-go").disabled = true; resetDialog.showModal(); $("#reset-confirm").focus(); });
$("#reset-confirm").addEventListener("input", () => { $("#reset-go").disabled = $("#reset-confirm").value.trim() !== "reset"; });
$("#reset-cancel").addEventListener("click", () => resetDialog.close());
$("#reset-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  if ($("#reset-confirm").value.trim() !== "reset") return;
  try {
    const done = await api("POST", "/api/console/reset", { confirm: "reset" });
    resetDialog.close();
    const total = Object.values(done.removed).reduce((a, b) => a + b, 0);
    notify(`Reset: ${total} records removed${done.stopped.length ? `, ${done.stopped.length} deployment(s) destroyed` : ""}.`);
    timeline.clear();
    waterfall.correlation = null;
    await Promise.all([loadMap(), refreshLists(), deadLetters.load(), timeline.apply()]);
    inspector.refresh();
    $("#trace-head").replaceChildren(el("p", { class: "muted" }, "Select an event in the timeline to see its trace here."));
    $("#waterfall").replaceChildren();
    $("#trace-detail").replaceChildren();
    $("#start-here").focus();
  } catch (error) {
    $("#reset-error").textContent = error.message;
  }
});

// --- sign in and go --------------------------------------------------------------------------------------

$("#login-form").addEventListener("submit", (e) => {
  e.preventDefault();
  setToken($("#token-input").value.trim());
  $("#login").hidden = true;
  start().catch(warn);
});

for (const button of $$("[data-goto]")) {
  button.addEventListener("click", () => {
    showTab(button.dataset.goto, true);
    const focus = button.dataset.focus && $(button.dataset.focus);
    if (focus) focus.focus();
  });
}

showTab("timeline");
start().catch(warn);
