// The REST API with the token `wingcloud serve` printed. The token is kept in this tab's sessionStorage (gone
// when the tab closes; `#token=` in the URL sets it and is removed from the address bar at once) and travels
// only in the Authorization header: the live streams are read with fetch, not EventSource, which cannot set
// headers and would put the token in a URL (history, proxies, logs).
"use strict";

import { $ } from "./dom.js";

const KEY = "wingcloud-token";
const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
if (fromHash) {
  sessionStorage.setItem(KEY, fromHash);
  history.replaceState(null, "", location.pathname);
}

localStorage.removeItem(KEY); // where earlier versions kept it
export const auth = { token: sessionStorage.getItem(KEY) || "" };

export function setToken(token) {
  auth.token = token;
  sessionStorage.setItem(KEY, token);
}

export class ApiError extends Error {
  constructor(status, data) {
    super(data && data.detail ? data.detail : `HTTP ${status}`);
    this.status = status;
    this.code = data && data.error;
    this.problems = (data && data.problems) || [];
  }
}

export async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${auth.token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) {
    $("#login").hidden = false;
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// A server-sent event stream read with fetch: EventSource's interface (onopen, onerror, addEventListener,
// close), its reconnection (the server's `retry:`, `Last-Event-ID`), and the token in a header.
export class EventStream {
  constructor(path, params = {}) {
    this.url = Object.keys(params).length ? `${path}?${new URLSearchParams(params)}` : path;
    this.listeners = {};
    this.onopen = null;
    this.onerror = null;
    this.lastId = "";
    this.retry = 1000;
    this.closed = false;
    this.connect();
  }

  addEventListener(type, listener) {
    (this.listeners[type] ||= []).push(listener);
  }

  close() {
    this.closed = true;
    if (this.abort) this.abort.abort();
    clearTimeout(this.timer);
  }

  async connect() {
    this.abort = new AbortController();
    const headers = { Authorization: `Bearer ${auth.token}`, Accept: "text/event-stream" };
    if (this.lastId) headers["Last-Event-ID"] = this.lastId;
    try {
      const response = await fetch(this.url, { headers, signal: this.abort.signal, cache: "no-store" });
      if (response.status === 401) {
        $("#login").hidden = false;
        this.closed = true;
      }
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      if (this.onopen) this.onopen();
      await this.read(response.body.getReader());
    } catch (error) {
      if (this.closed) return;
    }
    if (this.closed) return;
    if (this.onerror) this.onerror();
    this.timer = setTimeout(() => this.connect(), this.retry);
  }

  async read(reader) {
    const decoder = new TextDecoder();
    let buffer = "";
    let message = { type: "message", data: [], id: null };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop();
      for (const line of lines) {
        if (line === "") {
          if (message.id !== null) this.lastId = message.id;
          if (message.data.length) this.dispatch(message.type, message.data.join("\n"));
          message = { type: "message", data: [], id: null };
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "data") message.data.push(text);
        else if (field === "event") message.type = text;
        else if (field === "id") message.id = text;
        else if (field === "retry" && /^\d+$/.test(text)) this.retry = Number(text);
      }
    }
  }

  dispatch(type, data) {
    for (const listener of this.listeners[type] || []) listener({ data, lastEventId: this.lastId });
  }
}
