// DOM helpers.  Everything a customer, the bot or an agent wrote is put on the page as
// text nodes (textContent / append(string)), never parsed as HTML: no script of the
// console assigns markup (tests/unit/test_agent_console.py checks), and the CSP forbids
// inline script as a second line of defence.

/** h("li", {class: "item", onclick: fn}, "text", childNode …) → an element. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));  // strings become text nodes
  }
  return el;
}

export const $ = (id) => document.getElementById(id);

/** Replace an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  for (const child of children.flat()) if (child) el.append(child instanceof Node ? child : String(child));
}

export function show(el, visible = true) { el.hidden = !visible; }

/** "08:15:02" in the agent's local time. */
export function clockTime(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleTimeString("zh-CN", {hour12: false});
}

/** "12月3日 08:15" */
export function dateTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return `${d.getMonth() + 1}月${d.getDate()}日 ${d.toLocaleTimeString("zh-CN", {hour12: false, hour: "2-digit", minute: "2-digit"})}`;
}

/** 83 → "1分23秒"; 4000 → "1小时6分". */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}秒`;
  if (s < 3600) return `${Math.floor(s / 60)}分${String(s % 60).padStart(2, "0")}秒`;
  return `${Math.floor(s / 3600)}小时${Math.floor((s % 3600) / 60)}分`;
}

let toastTimer = null;
/** A short message at the bottom of the screen. */
export function toast(text, isError = false) {
  const el = $("toast");
  el.textContent = text;
  el.classList.toggle("error", isError);
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, isError ? 6000 : 3000);
}
