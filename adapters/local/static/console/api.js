// The REST API with the token `wingcloud serve` printed (kept in localStorage; `#token=` in the URL sets it).
"use strict";

import { $ } from "./dom.js";

const KEY = "wingcloud-token";
const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
if (fromHash) {
  localStorage.setItem(KEY, fromHash);
  history.replaceState(null, "", location.pathname);
}

export const auth = { token: localStorage.getItem(KEY) || "" };

export function setToken(token) {
  auth.token = token;
  localStorage.setItem(KEY, token);
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

export function streamUrl(path, params = {}) {
  const query = new URLSearchParams({ ...params, token: auth.token });
  return `${path}?${query}`;
}
