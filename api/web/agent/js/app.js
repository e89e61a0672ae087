// The console's entry point: log-in, the session, the routes (#/ desk, #/h/<id> one
// conversation, #/admin supervisors' page) and the live stream.

import {api, setCsrf, whenSessionLost} from "./api.js";
import {$, show, toast} from "./dom.js";
import {ROLES, label} from "./labels.js";
import {setUpAlertControls, unlockAudioOnGesture} from "./alerts.js";
import {connect} from "./live.js";
import * as desk from "./desk.js";
import * as admin from "./admin.js";
import * as tickets from "./tickets.js";

let me = null;
let stopLive = null;
let ticker = null;
let lastView = "desk";

function showLogin(message = "") {
  stopLive?.();
  stopLive = null;
  clearInterval(ticker);
  me = null;
  show($("app-view"), false);
  show($("login-view"), true);
  $("login-error").textContent = message;
  show($("login-error"), Boolean(message));
  $("login-password").value = "";
  $("login-id").focus();
}

async function startConsole(session) {
  me = session.agent;
  setCsrf(session.csrf_token);
  desk.setMe(me);
  show($("login-view"), false);
  show($("app-view"), true);
  $("me-name").textContent = me.display_name;
  $("me-role").textContent = label(ROLES, me.role);
  show($("nav-admin"), me.role === "supervisor");
  setUpAlertControls();
  paintPresence();
  await Promise.all([desk.loadQueue(), desk.loadCanned()]);
  stopLive = connect(onLiveEvent, checkSession);
  ticker = setInterval(desk.tick, 1000);
  route();
}

function onLiveEvent(type, data) {
  if (type === "agent.updated") {
    admin.onAgentUpdated(data);
    if (me && data.id === me.id) { me = {...me, ...data}; paintPresence(); }
    return;
  }
  if (type.startsWith("complaint") || type.startsWith("callback")) { tickets.onTicketEvent(type); return; }
  desk.onLiveEvent(type, data);
}

function paintPresence() {
  const button = $("presence");
  button.textContent = me.online ? "● 接待中" : "○ 小休";
  button.className = `presence ${me.online ? "online" : "away"}`;
}

async function togglePresence() {
  try { me = {...me, ...(await api.setOnline(!me.online))}; paintPresence(); }
  catch (error) { toast(error.messageZh, true); }
}

async function checkSession() {
  try { await api.me(); await desk.loadQueue(); } catch { /* a 401 shows the log-in */ }
}

async function login(event) {
  event.preventDefault();
  const username = $("login-id").value.trim();
  const password = $("login-password").value;
  if (!username || !password) {
    $("login-error").textContent = "请输入工号和密码";
    show($("login-error"), true);
    return;
  }
  $("login-submit").disabled = true;
  try {
    await startConsole(await api.login(username, password));
  } catch (error) {
    $("login-error").textContent = error.code === "bad_credentials" ? "工号或密码错误" : error.messageZh;
    show($("login-error"), true);
  } finally {
    $("login-submit").disabled = false;
  }
}

async function logout() {
  try { await api.logout(); } catch { /* the session may be gone already */ }
  desk.closeView();
  showLogin();
}

/** #/ → desk; #/h/17 → desk with handoff 17 open; #/tickets → complaints and
 *  callbacks; #/admin → supervisors' page. */
function route() {
  if (!me) return;
  const hash = location.hash || "#/";
  const view = hash === "#/admin" && me.role === "supervisor" ? "admin" : hash === "#/tickets" ? "tickets" : "desk";
  show($("desk-view"), view === "desk");
  show($("tickets-view"), view === "tickets");
  show($("admin-view"), view === "admin");
  $("nav-desk").classList.toggle("active", view === "desk");
  $("nav-tickets").classList.toggle("active", view === "tickets");
  $("nav-admin").classList.toggle("active", view === "admin");
  if (view === "admin") { admin.loadAdmin(); lastView = "admin"; return; }
  if (view === "tickets") { tickets.loadTickets(); lastView = "tickets"; return; }
  if (lastView === "admin") desk.loadCanned();  // a supervisor may have changed them
  lastView = "desk";
  const match = hash.match(/^#\/h\/(\d+)$/);
  if (match) {
    const id = Number(match[1]);
    if (id !== desk.selectedId()) desk.openHandoff(id);
  } else if (desk.selectedId() !== null) {
    desk.closeView();
  }
}

async function boot() {
  unlockAudioOnGesture();
  desk.setUpDesk();
  admin.setUpAdmin();
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", logout);
  $("presence").addEventListener("click", togglePresence);
  window.addEventListener("hashchange", route);
  whenSessionLost(() => { if (me) { toast("登录已过期，请重新登录", true); showLogin("登录已过期，请重新登录"); } });
  try {
    await startConsole(await api.me());  // a reload with a live session skips the log-in
  } catch {
    showLogin();
  }
}

boot();
