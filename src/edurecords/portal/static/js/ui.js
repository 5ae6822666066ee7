// Tiny DOM helpers: build elements without innerHTML for anything that comes from the API (no injection).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export function view(title, ...children) {
  const main = document.getElementById("main");
  main.className = "";
  main.replaceChildren(h("h1", {}, title), ...children.filter((c) => c !== null && c !== undefined && c !== false));
  document.title = `${title} — EduRecords`;
  return main;
}

export function say(text) {
  const box = document.getElementById("status");
  box.replaceChildren(h("div", {}, text));
  clearTimeout(say.t);
  say.t = setTimeout(() => box.replaceChildren(), 5000);
}

export function alertBox(kind, text, items = []) {
  return h("div", { class: `alert ${kind}`, role: kind === "bad" ? "alert" : "status" }, text,
    items.length ? h("ul", {}, items.map((i) => h("li", {}, i))) : null);
}

export function problemBox(err) {
  const p = err.problem || {};
  const items = (p.errors || []).map((e) => e.message || e.msg || JSON.stringify(e));
  return alertBox("bad", p.detail || err.message, items);
}

export function field(label, input) {
  const inputId = input.id || `f-${Math.random().toString(36).slice(2, 8)}`;
  input.id = inputId;
  return [h("label", { for: inputId }, label), input];
}

export function fmtDate(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return d.toLocaleString("vi-VN", { dateStyle: "short", timeStyle: "short" });
}

export function todayIso() {
  // School time is Vietnam time (UTC+7, no daylight saving).
  return new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
}

// Bumped by the router on every navigation: a screen still loading for an earlier route must not draw over the
// current one, so its pending load never settles.
export const routing = { seq: 0 };

export async function loading(promise) {
  const seq = routing.seq;
  const main = document.getElementById("main");
  main.setAttribute("aria-busy", "true");
  try {
    const result = await promise;
    if (seq !== routing.seq) await new Promise(() => {});
    return result;
  } finally { main.removeAttribute("aria-busy"); }
}

// replaceChildren without the null / false placeholders of conditional parts.
export function fill(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}
