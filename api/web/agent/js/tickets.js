// Complaints (contacted within one working day) and callback tasks, tracked to the end:
// every agent sees them; marking one moves it on (handoff/API.md, "Complaints and callbacks").

import {api} from "./api.js";
import {$, h, fill, dateTime, toast} from "./dom.js";
import {CALLBACK_STATUSES, COMPLAINT_STATUSES, label} from "./labels.js";

export async function loadTickets() {
  await Promise.all([loadComplaints(), loadCallbacks()]);
}

function action(text, onClick) {
  return h("button", {class: "btn btn-small", type: "button", onclick: async (event) => {
    event.target.disabled = true;
    try { await onClick(); } catch (error) { toast(error.messageZh, true); event.target.disabled = false; }
  }}, text);
}

async function loadComplaints() {
  let items = [];
  try { items = (await api.complaints("all")).items; } catch (error) { toast(error.messageZh, true); }
  fill($("complaints-body"), items.length ? items.map((c) => h("tr", {},
    h("td", {}, c.code || `#${c.id}`), h("td", {}, c.category), h("td", {class: "cell-text"}, c.text),
    h("td", {}, c.account_no || "—"),
    h("td", {}, h("span", {class: `badge ${c.status === "open" ? "badge-high" : "badge-muted"}`}, label(COMPLAINT_STATUSES, c.status))),
    h("td", {class: c.overdue ? "overdue" : ""}, `${dateTime(c.contact_due_at)}${c.overdue ? "（已超时）" : ""}`),
    h("td", {},
      c.status === "open" ? action("已联系", async () => { await api.setComplaint(c.id, "contacted"); await loadComplaints(); }) : null,
      c.status !== "closed" ? action("办结", async () => { await api.setComplaint(c.id, "closed"); await loadComplaints(); }) : null)))
    : [h("tr", {}, h("td", {colspan: 7, class: "muted"}, "暂无投诉"))]);
}

async function loadCallbacks() {
  let items = [];
  try { items = (await api.callbacks("all")).items; } catch (error) { toast(error.messageZh, true); }
  fill($("callbacks-body"), items.length ? items.map((c) => h("tr", {},
    h("td", {}, dateTime(c.created_at)), h("td", {}, c.mobile), h("td", {}, c.window),
    h("td", {}, h("span", {class: `badge ${c.status === "open" ? "badge-high" : "badge-muted"}`}, label(CALLBACK_STATUSES, c.status))),
    h("td", {}, c.agent?.display_name || "—"),
    h("td", {}, c.status === "open" ? [
      action("已回电", async () => { await api.setCallback(c.id, "done"); await loadCallbacks(); }),
      " ",
      action("未接通", async () => { await api.setCallback(c.id, "failed"); await loadCallbacks(); })] : null)))
    : [h("tr", {}, h("td", {colspan: 6, class: "muted"}, "暂无回访任务"))]);
}

/** Live complaint and callback events: redraw the page when it is showing. */
export function onTicketEvent(type) {
  if ($("tickets-view").hidden) return;
  if (type.startsWith("complaint")) loadComplaints(); else loadCallbacks();
}
