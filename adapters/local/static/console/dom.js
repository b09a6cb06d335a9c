// DOM helpers. Everything rendered from data goes through text nodes or attributes, never through markup.
"use strict";

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

const SVG = "http://www.w3.org/2000/svg";

function build(node, attrs, children) {
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export const el = (tag, attrs = {}, ...children) => build(document.createElement(tag), attrs, children);
export const svg = (tag, attrs = {}, ...children) => build(document.createElementNS(SVG, tag), attrs, children);

// A link only for http(s) URLs; anything else (javascript:, data:, a relative path) stays text.
export function safeLink(url, label = url, attrs = {}) {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "http:" || parsed.protocol === "https:") {
      return el("a", { href: parsed.href, target: "_blank", rel: "noopener noreferrer", ...attrs }, label);
    }
  } catch {
    // not a URL
  }
  return el("span", { class: "not-a-link" }, label);
}

// ISO time with microseconds -> milliseconds since the epoch, keeping the microseconds as a fraction.
export function ms(iso) {
  if (!iso) return NaN;
  const match = /\.(\d+)/.exec(iso);
  const whole = Date.parse(iso.replace(/\.(\d+)/, (m, f) => "." + f.slice(0, 3).padEnd(3, "0")));
  const extra = match && match[1].length > 3 ? Number("0." + match[1].slice(3)) : 0;
  return whole + extra;
}

export function clock(iso) {
  const t = new Date(ms(iso));
  if (Number.isNaN(t.getTime())) return "";
  const two = (n) => String(n).padStart(2, "0");
  return `${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())}.${String(t.getMilliseconds()).padStart(3, "0")}`;
}

export function duration(milliseconds) {
  if (milliseconds === null || milliseconds === undefined || Number.isNaN(milliseconds)) return "–";
  if (milliseconds < 1) return `${Math.round(milliseconds * 1000)} µs`;
  if (milliseconds < 1000) return `${milliseconds.toFixed(milliseconds < 10 ? 2 : 0)} ms`;
  return `${(milliseconds / 1000).toFixed(2)} s`;
}

// Call `fn` once, `wait` ms after the last of a burst of calls with the same key.
const timers = new Map();
export function soon(key, fn, wait = 150) {
  clearTimeout(timers.get(key));
  timers.set(key, setTimeout(() => { timers.delete(key); fn(); }, wait));
}

// A collapsible, escaped JSON view: objects and arrays are <details>, values are typed spans.
export function jsonView(value, name = null, depth = 0) {
  const label = name === null ? [] : [el("span", { class: "json-key" }, JSON.stringify(name)), ": "];
  if (value !== null && typeof value === "object") {
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    const [start, end] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
    if (!entries.length) return el("div", { class: "json-line" }, ...label, start + end);
    return el("details", { class: "json", open: depth < 2 || undefined },
      el("summary", {}, ...label, start, el("span", { class: "json-count" }, ` ${entries.length} `)),
      ...entries.map(([k, v]) => jsonView(v, Array.isArray(value) ? null : k, depth + 1)),
      el("div", { class: "json-line" }, end),
    );
  }
  const kind = value === null ? "null" : typeof value;
  return el("div", { class: "json-line" }, ...label, el("span", { class: `json-${kind}` }, JSON.stringify(value)));
}

export function field(labelText, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  const error = el("span", { class: "field-error", id: `${id}-error`, role: "alert" });
  input.setAttribute("aria-describedby", `${id}-error`);
  return el("div", { class: "field" },
    el("label", { for: id }, labelText), input,
    hint ? el("small", { class: "hint" }, hint) : "",
    error,
  );
}

export function showProblems(form, problems, fieldOf) {
  for (const error of $$(".field-error", form)) error.textContent = "";
  for (const input of $$("[aria-invalid]", form)) input.removeAttribute("aria-invalid");
  const unplaced = [];
  for (const problem of problems) {
    const input = fieldOf(problem.field);
    const error = input && $(`#${CSS.escape(input.id)}-error`, form);
    if (!error) { unplaced.push(problem); continue; }
    error.textContent = (error.textContent ? error.textContent + "; " : "") + problem.message;
    input.setAttribute("aria-invalid", "true");
  }
  return unplaced;
}
