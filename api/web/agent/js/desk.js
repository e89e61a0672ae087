// The desk: the queue and my conversations (sidebar), one open conversation (history,
// composer, side panel).  Several conversations stay open at once: each is an entry
// in "我的会话"; switching keeps every draft and the live updates of all of them.

import {api} from "./api.js";
import {$, h, fill, show, clockTime, dateTime, duration, toast} from "./dom.js";
import {AUTHORS, BILL_STATUSES, BILLING_MODES, CHANNELS, PROFILE_FIELDS, REASONS, STATUSES, UNMASKABLE,
        label, priorityLabel} from "./labels.js";
import {beep, notify} from "./alerts.js";

const state = {
  me: null,
  handoffs: new Map(),   // id → HandoffSummary (+ _seenAt: performance.now() when received)
  details: new Map(),    // id → HandoffDetail of conversations opened in this page
  seenTurns: new Map(),  // id → Set of history keys already drawn (live events repeat)
  drafts: new Map(),     // id → unsent text
  unmasked: new Map(),   // id → {field: value} a supervisor unmasked
  selected: null,
  mode: "reply",         // or "note"
  canned: [],
};

const LOW_CONFIDENCE = 0.6;
const LATE_WAIT_S = 120;
const OPEN_STATUSES = new Set(["pending", "assigned", "callback"]);

export function setMe(me) { state.me = me; }
export const selectedId = () => state.selected;

// ----- the queue and my conversations -----

function remember(summary) {
  state.handoffs.set(summary.id, {...summary, _seenAt: performance.now()});
}

export async function loadQueue() {
  const data = await api.handoffs("open");
  $("desk-stats").textContent = `当前在线坐席 ${data.online_agents} 位${data.in_hours ? "" : " · 现在是非工作时间，新客户将被提供回电"}`;
  state.handoffs.clear();
  data.items.forEach(remember);
  renderLists();
}

/** Seconds the customer has waited: the server's figure plus the time since it came. */
function waitingSeconds(item) {
  const ticking = item.status === "pending" || (item.status === "assigned" && !item.first_reply_at);
  return item.waiting_s + (ticking ? (performance.now() - item._seenAt) / 1000 : 0);
}

const isMine = (item) => item.status === "assigned" && item.agent && state.me && item.agent.id === state.me.id;

function listItem(item) {
  const wait = waitingSeconds(item);
  const lastText = item.last_message ? item.last_message.text : "";
  return h("li", {
      class: `item${item.id === state.selected ? " selected" : ""}${item.priority === 0 ? " urgent" : ""}`,
      dataset: {handoff: item.id}, tabindex: 0, role: "button",
      "aria-label": `${item.customer_label} ${item.reason_zh || label(REASONS, item.reason)}`,
      onclick: () => { location.hash = `#/h/${item.id}`; },
      onkeydown: (e) => { if (e.key === "Enter") location.hash = `#/h/${item.id}`; },
    },
    h("div", {class: "item-top"},
      item.unread ? h("span", {class: "unread", title: "客户在等待回复"}) : null,
      h("span", {class: "item-name"}, item.customer_label || "客户"),
      h("span", {class: "item-no", title: `转人工时间 ${clockTime(item.queued_at)}`}, `#${item.id}`),
      h("span", {class: `item-wait${wait > LATE_WAIT_S && item.status === "pending" ? " late" : ""}`, dataset: {wait: item.id}},
        item.status === "pending" ? `等待 ${duration(wait)}` : label(STATUSES, item.status))),
    h("div", {class: "item-line"},
      h("span", {class: "badge badge-reason"}, item.reason_zh || label(REASONS, item.reason)),
      h("span", {class: `badge ${item.priority === 0 ? "badge-urgent" : "badge-muted"}`}, priorityLabel(item.priority)),
      h("span", {class: "badge badge-muted"}, label(CHANNELS, item.channel)),
      item.callback_offered ? h("span", {class: "badge badge-high", title: "排队时无人在线或不在工作时间，已向客户提供回电"}, "已提供回电") : null,
      item.status === "assigned" && !isMine(item) && item.agent ? h("span", {class: "muted small"}, item.agent.display_name) : null),
    lastText ? h("div", {class: "item-preview"}, lastText) : null);
}

function byPriorityThenTime(a, b) {
  return (a.priority - b.priority) || (new Date(a.queued_at) - new Date(b.queued_at));
}

export function renderLists() {
  const items = [...state.handoffs.values()].filter((i) => OPEN_STATUSES.has(i.status)).sort(byPriorityThenTime);
  const waiting = items.filter((i) => i.status === "pending" || i.status === "callback" || (i.status === "assigned" && !isMine(i)));
  const mine = items.filter(isMine);
  fill($("queue-list"), waiting.map(listItem));
  fill($("mine-list"), mine.map(listItem));
  const pending = items.filter((i) => i.status === "pending").length;
  $("queue-count").textContent = pending;
  $("queue-count").classList.toggle("hot", pending > 0);
  $("mine-count").textContent = mine.length;
  show($("queue-empty"), waiting.length === 0);
  show($("mine-empty"), mine.length === 0);
  document.title = pending ? `(${pending}) PowerDesk 坐席工作台` : "PowerDesk 坐席工作台";
}

/** Every second: the waiting times count up without redrawing the lists. */
export function tick() {
  for (const el of document.querySelectorAll("[data-wait]")) {
    const item = state.handoffs.get(Number(el.dataset.wait));
    if (item && item.status === "pending") {
      const wait = waitingSeconds(item);
      el.textContent = `等待 ${duration(wait)}`;
      el.classList.toggle("late", wait > LATE_WAIT_S);
    }
  }
  const current = state.handoffs.get(state.selected);
  if (current) $("conv-wait").textContent = waitText(current);
}

function waitText(item) {
  const wait = duration(waitingSeconds(item));
  if (item.status === "pending") return `已等待 ${wait}`;
  if (item.first_reply_at) return `首次响应用时 ${wait}`;
  return `已等待 ${wait}`;
}

// ----- live events -----

export function onLiveEvent(type, data) {
  if (type === "handoff.queued") {
    const isNew = !state.handoffs.has(data.id);
    remember(data);
    renderLists();
    if (isNew) announce(data);
  } else if (type === "handoff.updated") {
    remember(data);
    renderLists();
    if (data.id === state.selected) renderHead(data);
  } else if (type === "message") {
    onLiveMessage(data);
  } else if (type === "note") {
    const detail = state.details.get(data.handoff_id);
    if (detail && !detail.notes.some((n) => n.id === data.note.id)) {
      detail.notes.push(data.note);
      if (data.handoff_id === state.selected) { renderNotes(detail); appendTurn(data.handoff_id, noteAsTurn(data.note)); }
    }
  }
}

function announce(item) {
  const reason = item.reason_zh || label(REASONS, item.reason);
  beep();
  notify("新客户排队", `${reason} · ${label(CHANNELS, item.channel)} · ${item.customer_label || ""}`, `handoff-${item.id}`,
         () => { location.hash = `#/h/${item.id}`; });
  const el = document.querySelector(`[data-handoff="${item.id}"]`);
  el?.classList.add("fresh");
}

function onLiveMessage({handoff_id: id, message}) {
  const summary = state.handoffs.get(id);
  if (summary && message.author === "customer") {
    summary.last_message = {text: message.text, at: message.at};
    summary.unread = (summary.unread || 0) + 1;  // waiting for an agent's reply
    renderLists();
    if (isMine(summary) && (id !== state.selected || document.hidden)) {
      beep();
      notify("客户新消息", `${summary.customer_label}：${message.text}`, `message-${id}`, () => { location.hash = `#/h/${id}`; });
    }
  }
  if (summary && message.author === "agent" && summary.unread) {
    summary.unread = 0;  // answered
    renderLists();
  }
  const detail = state.details.get(id);
  if (detail) {
    detail.history.push(message);
    if (id === state.selected) appendTurn(id, message);
  }
}

// ----- one conversation -----

const turnKey = (turn) => `${turn.author}|${turn.at}|${turn.text}`;

export async function openHandoff(id) {
  saveDraft();
  state.selected = id;
  renderLists();
  show($("conversation-empty"), false);
  show($("conversation-body"), true);
  let detail;
  try {
    detail = await api.handoff(id);
  } catch (error) {
    toast(error.messageZh, true);
    closeView();
    return;
  }
  if (state.selected !== id) return;  // the agent moved on while it loaded
  state.details.set(id, detail);
  remember(detail);
  renderLists();
  renderConversation(detail);
}

export function closeView() {
  saveDraft();
  state.selected = null;
  show($("conversation-empty"), true);
  show($("conversation-body"), false);
  renderLists();
}

function saveDraft() {
  if (state.selected !== null) state.drafts.set(state.selected, $("reply-text").value);
}

function renderConversation(detail) {
  renderHead(detail);
  state.seenTurns.set(detail.id, new Set());
  fill($("history"));
  const turns = [...detail.history, ...detail.notes.map(noteAsTurn)]
    .sort((a, b) => new Date(a.at) - new Date(b.at));
  turns.forEach((turn) => appendTurn(detail.id, turn, false));
  if (detail.tracker_available === false) {
    $("history").prepend(h("li", {class: "turn system"}, h("div", {class: "bubble"}, "机器人对话记录暂时无法读取，以下记录不含意图和槽位信息")));
  }
  scrollHistory();
  $("summary").textContent = detail.summary || "（暂无摘要）";
  renderProfile(detail);
  renderRecords(detail);
  renderNotes(detail);
  $("reply-text").value = state.drafts.get(detail.id) || "";
  setComposerError("");
}

function renderHead(summary) {
  $("conv-name").textContent = `${summary.customer_label || "客户"} · #${summary.id}`;
  $("conv-reason").textContent = summary.reason_zh || label(REASONS, summary.reason);
  const priority = $("conv-priority");
  priority.textContent = priorityLabel(summary.priority);
  priority.className = `badge ${summary.priority === 0 ? "badge-urgent" : "badge-muted"}`;
  $("conv-channel").textContent = `渠道：${label(CHANNELS, summary.channel)}`;
  const who = summary.status === "assigned" && summary.agent ? ` · ${summary.agent.display_name}` : "";
  $("conv-status").textContent = `${label(STATUSES, summary.status)}${who}`;
  const item = state.handoffs.get(summary.id) || {...summary, _seenAt: performance.now()};
  $("conv-wait").textContent = waitText(item);
  const open = OPEN_STATUSES.has(summary.status);
  show($("claim"), summary.status === "pending" || summary.status === "callback");
  $("transfer").disabled = !open;
  $("resolve").disabled = !open;
  $("send").disabled = !open;
  $("reply-text").disabled = !open;
  $("composer-hint").textContent = open ? hintFor(state.mode) : "会话已结束";
}

function hintFor(mode) {
  return mode === "note" ? "内部备注只有坐席能看到，不会发送给客户" : `客户将看到您的名字“${state.me?.display_name || ""}”`;
}

const noteAsTurn = (note) => ({at: note.created_at, author: "note", text: note.text, agent_name: note.agent?.display_name});

function appendTurn(id, turn, scroll = true) {
  const seen = state.seenTurns.get(id);
  const key = turnKey(turn);
  if (seen.has(key)) return;
  seen.add(key);
  $("history").append(turnElement(turn));
  if (scroll) scrollHistory();
}

function scrollHistory() {
  const history = $("history");
  history.scrollTop = history.scrollHeight;
}

function turnElement(turn) {
  const author = turn.author;
  const who = author === "agent" ? (turn.agent_name || AUTHORS.agent)
    : author === "note" ? `内部备注 · ${turn.agent_name || ""}` : AUTHORS[author] || author;
  const meta = h("div", {class: "turn-meta"},
    h("span", {class: "turn-who"}, who),
    h("time", {datetime: turn.at || ""}, clockTime(turn.at)));
  if (turn.intent) {
    const confidence = typeof turn.confidence === "number" ? ` ${turn.confidence.toFixed(2)}` : "";
    const low = typeof turn.confidence === "number" && turn.confidence < LOW_CONFIDENCE;
    meta.append(h("span", {class: `intent${low ? " low" : ""}`, title: "识别意图与置信度"}, `${turn.intent}${confidence}`));
  }
  for (const [slot, value] of Object.entries(turn.slots || {})) {
    meta.append(h("span", {class: "intent", title: "本轮填写的槽位"}, `${slot}=${value}`));
  }
  if (author === "customer" && turn.status === "failed") meta.append(h("span", {class: "badge badge-urgent"}, "机器人未应答"));
  if (author === "note") meta.append(h("span", {class: "badge badge-note"}, "仅坐席可见"));
  const cls = author === "customer" ? "user" : author === "note" ? "note" : author;
  return h("li", {class: `turn ${cls}`}, meta, h("div", {class: "bubble"}, turn.text));
}

// ----- the side panel -----

function renderProfile(detail) {
  const profile = detail.profile;
  const dl = $("profile");
  if (!profile) {
    $("profile-note").textContent = "";
    fill(dl, h("dt", {}, "身份"), h("dd", {}, "客户尚未在本次会话中验证身份"));
    return;
  }
  $("profile-note").textContent = state.me?.role === "supervisor" ? "已脱敏，可查看明文（留痕）" : "已脱敏";
  const unmasked = state.unmasked.get(detail.id) || {};
  const rows = [];
  for (const [field, name] of PROFILE_FIELDS) {
    let value = profile[field];
    if (value === null || value === undefined || value === "") continue;
    if (field === "billing_mode") value = label(BILLING_MODES, value);
    const clear = unmasked[field];
    const dd = h("dd", {class: field === "arrears" && Number(value) > 0 ? "arrears" : "", dataset: {field}},
      h("span", {class: clear ? "unmasked" : ""}, clear || value));
    if (UNMASKABLE.has(field) && state.me?.role === "supervisor" && !clear) {
      dd.append(h("button", {class: "btn-link", type: "button", dataset: {unmask: field},
                             onclick: () => askUnmask(detail.id, field, name)}, "查看明文"));
    }
    rows.push(h("dt", {}, name), dd);
  }
  fill(dl, rows);
}

function recordsTable(title, rows) {
  if (!rows.length) return [];
  return [h("div", {class: "records-title"}, title),
          h("table", {class: "records-table"}, h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((c) => h("td", {}, c))))))];
}

function renderRecords(detail) {
  const p = detail.profile;
  if (!p) { fill($("records"), h("p", {class: "muted small"}, "验证身份后显示账单、缴费和工单。")); return; }
  fill($("records"),
    recordsTable("账单", (p.bills || []).map((b) => [b.month, `${b.kwh} 度`, `${b.amount} 元`, label(BILL_STATUSES, b.status)])),
    recordsTable("缴费", (p.payments || []).map((x) => [dateTime(x.paid_at), label(CHANNELS, x.channel) || x.channel, `${x.amount} 元`])),
    recordsTable("报修工单", (p.tickets || []).map((t) => [t.id, t.kind, t.status])),
    recordsTable("投诉", (p.complaints || []).map((c) => [String(c.id), c.category, c.status])));
  if (!$("records").childElementCount) $("records").append(h("p", {class: "muted small"}, "暂无记录"));
}

function renderNotes(detail) {
  fill($("notes"), detail.notes.length
    ? detail.notes.map((n) => h("li", {}, h("span", {class: "note-meta"}, `${n.agent?.display_name || ""} · ${dateTime(n.created_at)}`), n.text))
    : [h("li", {class: "muted small"}, "暂无备注")]);
}

// ----- actions -----

let unmaskTarget = null;
function askUnmask(id, field, name) {
  unmaskTarget = {id, field};
  $("unmask-field-label").textContent = name;
  $("unmask-reason").value = "";
  show($("unmask-error"), false);
  $("unmask-dialog").showModal();
}

async function confirmUnmask(event) {
  event.preventDefault();
  const reason = $("unmask-reason").value.trim();
  if (reason.length < 4) {
    $("unmask-error").textContent = "请填写查看原因（至少4个字）";
    show($("unmask-error"), true);
    return;
  }
  try {
    const result = await api.unmask(unmaskTarget.id, unmaskTarget.field, reason);
    const values = state.unmasked.get(unmaskTarget.id) || {};
    values[result.field] = result.value;
    state.unmasked.set(unmaskTarget.id, values);
    $("unmask-dialog").close();
    const detail = state.details.get(unmaskTarget.id);
    if (detail && unmaskTarget.id === state.selected) renderProfile(detail);
  } catch (error) {
    $("unmask-error").textContent = error.messageZh;
    show($("unmask-error"), true);
  }
}

function setComposerError(text) {
  $("composer-error").textContent = text;
  show($("composer-error"), Boolean(text));
}

async function send(event) {
  event.preventDefault();
  const id = state.selected;
  const box = $("reply-text");
  const text = box.value.trim();
  if (!text || id === null) return;
  $("send").disabled = true;
  try {
    if (state.mode === "note") {
      const note = await api.note(id, text);
      onLiveEvent("note", {handoff_id: id, note});
    } else {
      const turn = await api.reply(id, text);
      onLiveMessage({handoff_id: id, message: {...turn, author: "agent"}});
    }
    box.value = "";
    state.drafts.delete(id);
    setComposerError("");
  } catch (error) {
    setComposerError(error.messageZh);
  } finally {
    $("send").disabled = false;
    box.focus();
  }
}

function setMode(mode) {
  state.mode = mode;
  $("mode-reply").classList.toggle("active", mode === "reply");
  $("mode-note").classList.toggle("active", mode === "note");
  $("mode-reply").setAttribute("aria-selected", String(mode === "reply"));
  $("mode-note").setAttribute("aria-selected", String(mode === "note"));
  $("composer").classList.toggle("note-mode", mode === "note");
  $("send").textContent = mode === "note" ? "保存备注" : "发送";
  $("reply-text").placeholder = mode === "note" ? "写一条内部备注（客户看不到）" : "输入回复内容，Enter 发送，Shift+Enter 换行";
  $("composer-hint").textContent = hintFor(mode);
}

async function claim() {
  try {
    const summary = await api.claim(state.selected);
    remember(summary);
    renderLists();
    renderHead(summary);
    $("reply-text").focus();
  } catch (error) { toast(error.messageZh, true); }
}

async function resolve(event) {
  event.preventDefault();
  const id = state.selected;
  $("resolve-dialog").close();
  try {
    const summary = await api.resolve(id, $("resolve-csat").checked);
    remember(summary);
    toast($("resolve-csat").checked ? "会话已结束，已邀请客户评价" : "会话已结束");
    renderLists();
    renderHead(summary);
  } catch (error) { toast(error.messageZh, true); }
}

async function openTransfer() {
  const select = $("transfer-agent");
  let agents = [];
  try {
    agents = (state.me.role === "supervisor" ? await api.agents() : await api.colleagues()).items;
  } catch { agents = []; }
  const others = agents.filter((a) => a.id !== state.me.id && a.active !== false);
  fill(select, others.map((a) => h("option", {value: a.id},
    `${a.display_name}（${a.online ? "在线" : "离线"}，${a.load ?? 0}/${a.capacity ?? "-"}）`)));
  const agentRadio = document.querySelector('#transfer-form input[value="agent"]');
  agentRadio.disabled = others.length === 0;
  select.disabled = others.length === 0;
  $("transfer-dialog").showModal();
}

async function transfer(event) {
  event.preventDefault();
  const id = state.selected;
  const target = new FormData($("transfer-form")).get("target");
  const note = $("transfer-note").value.trim();
  $("transfer-dialog").close();
  try {
    if (note) await api.note(id, `转接说明：${note}`);
    const summary = target === "agent" ? await api.transferToAgent(id, Number($("transfer-agent").value)) : await api.transferToBot(id);
    remember(summary);
    $("transfer-note").value = "";
    toast(target === "agent" ? "已转接给其他坐席" : "已交还智能客服");
    renderLists();
    renderHead(summary);
  } catch (error) { toast(error.messageZh, true); }
}

export async function loadCanned() {
  try { state.canned = (await api.canned()).items; } catch { state.canned = []; }
  fill($("canned"), h("option", {value: ""}, "快捷回复…"),
    state.canned.map((c) => h("option", {value: c.id}, c.title)));
}

function useCanned() {
  const chosen = state.canned.find((c) => String(c.id) === $("canned").value);
  $("canned").value = "";
  if (!chosen) return;
  const box = $("reply-text");
  box.value = box.value ? `${box.value}${chosen.text}` : chosen.text;
  box.focus();
}

export function setUpDesk() {
  $("composer").addEventListener("submit", send);
  $("reply-text").addEventListener("keydown", (e) => {
    // Enter sends; not while an input method is composing (拼音 candidates), not with Shift.
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); $("composer").requestSubmit(); }
  });
  $("mode-reply").onclick = () => setMode("reply");
  $("mode-note").onclick = () => setMode("note");
  $("canned").onchange = useCanned;
  $("claim").onclick = claim;
  $("resolve").onclick = () => $("resolve-dialog").showModal();
  $("resolve-ok").onclick = resolve;
  $("transfer").onclick = openTransfer;
  $("transfer-ok").onclick = transfer;
  $("unmask-ok").onclick = confirmUnmask;
  $("toggle-side").onclick = () => $("side-panel").classList.toggle("open");
}
