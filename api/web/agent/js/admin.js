// The supervisors' page: agents (create, capacity, active, online and load), canned
// replies, and the unmask audit (who saw which field in clear, when and why).

import {api} from "./api.js";
import {$, h, fill, show, dateTime, toast} from "./dom.js";
import {ROLES, label} from "./labels.js";

let agents = [];

export async function loadAdmin() {
  await Promise.all([loadAgents(), loadCannedAdmin(), loadAudit()]);
}

async function loadAgents() {
  try { agents = (await api.agents()).items; } catch (error) { toast(error.messageZh, true); return; }
  renderAgents();
}

/** A live agent.updated event: keep the table current without a reload. */
export function onAgentUpdated(agent) {
  const index = agents.findIndex((a) => a.id === agent.id);
  if (index >= 0) agents[index] = agent; else agents.push(agent);
  if (!$("admin-view").hidden) renderAgents();
}

function loadBar(agent) {
  const share = Math.min(1, (agent.load || 0) / Math.max(1, agent.capacity || 1));
  const bar = h("i");
  bar.style.width = `${Math.round(share * 100)}%`;  // CSSOM, allowed by the CSP (no style attribute)
  return h("div", {class: "load"}, h("div", {class: "load-bar"}, bar), `${agent.load || 0} / ${agent.capacity}`);
}

function renderAgents() {
  fill($("agents-body"), agents.map((agent) => {
    const capacity = h("input", {type: "number", min: 1, max: 20, value: agent.capacity, "aria-label": `${agent.display_name}的容量`});
    capacity.onchange = async () => {
      try { onAgentUpdated(await api.updateAgent(agent.id, {capacity: Number(capacity.value)})); toast("容量已更新"); }
      catch (error) { toast(error.messageZh, true); capacity.value = agent.capacity; }
    };
    const activeToggle = h("button", {class: "btn btn-small btn-ghost", type: "button"}, agent.active ? "停用" : "启用");
    activeToggle.onclick = async () => {
      try { onAgentUpdated(await api.updateAgent(agent.id, {active: !agent.active})); }
      catch (error) { toast(error.messageZh, true); }
    };
    const status = !agent.active ? h("span", {class: "status-offline"}, "已停用")
      : agent.online ? h("span", {class: "status-online"}, "● 在线") : h("span", {class: "status-offline"}, "○ 离线");
    return h("tr", {dataset: {agent: agent.username}},
      h("td", {}, agent.username), h("td", {}, agent.display_name), h("td", {}, label(ROLES, agent.role)),
      h("td", {}, status), h("td", {}, loadBar(agent)), h("td", {}, capacity, " ", activeToggle));
  }));
}

async function createAgent(event) {
  event.preventDefault();
  const message = $("agent-form-msg");
  const body = {
    username: $("new-agent-id").value.trim(), display_name: $("new-agent-name").value.trim(),
    role: $("new-agent-role").value, capacity: Number($("new-agent-capacity").value || 3),
  };
  const password = $("new-agent-password").value;
  if (password) body.password = password;
  try {
    const created = await api.createAgent(body);
    message.className = "form-msg";
    message.textContent = created.password
      ? `已创建 ${created.agent.display_name}，初始密码：${created.password}（只显示这一次）`
      : `已创建 ${created.agent.display_name}`;
    $("agent-form").reset();
    onAgentUpdated(created.agent);
  } catch (error) {
    message.className = "form-msg error";
    message.textContent = error.messageZh;
  }
  show(message, true);
}

async function loadCannedAdmin() {
  let items = [];
  try { items = (await api.canned()).items; } catch (error) { toast(error.messageZh, true); }
  fill($("canned-admin"), items.length ? items.map((c) => h("li", {},
    h("strong", {}, c.title), h("span", {}, c.text),
    h("button", {class: "btn btn-small btn-ghost", type: "button", onclick: async () => {
      try { await api.deleteCanned(c.id); await loadCannedAdmin(); } catch (error) { toast(error.messageZh, true); }
    }}, "删除"))) : [h("li", {class: "muted"}, "还没有快捷回复")]);
}

async function addCanned(event) {
  event.preventDefault();
  const message = $("canned-form-msg");
  try {
    await api.addCanned($("canned-title").value.trim(), $("canned-text").value.trim());
    $("canned-form").reset();
    show(message, false);
    await loadCannedAdmin();
  } catch (error) {
    message.className = "form-msg error";
    message.textContent = error.messageZh;
    show(message, true);
  }
}

async function loadAudit() {
  let items = [];
  try { items = (await api.audit()).items; } catch (error) { toast(error.messageZh, true); }
  const FIELDS = {name: "姓名", account_no: "户号", mobile: "手机", address: "地址"};
  fill($("audit-body"), items.length ? items.map((a) => h("tr", {},
    h("td", {}, dateTime(a.created_at)), h("td", {}, a.agent?.display_name || ""),
    h("td", {}, `#${a.handoff_id}`), h("td", {}, label(FIELDS, a.field)), h("td", {}, a.reason)))
    : [h("tr", {}, h("td", {colspan: 5, class: "muted"}, "暂无记录"))]);
}

export function setUpAdmin() {
  $("agent-form").addEventListener("submit", createAgent);
  $("canned-form").addEventListener("submit", addCanned);
}
