/* PowerDesk chat widget: the customer's side of a web conversation.
 *
 * Transport: the WebSocket /api/v1/ws (replies and pushes), POST /api/v1/chat when the
 * socket cannot be opened, GET /api/v1/conversation to show the conversation again
 * after a reload or a reconnect.  The session is the HttpOnly cookie that
 * POST /api/v1/sessions sets (SameSite=Strict); in a frame (embed.js on a utility's own
 * site), or wherever the browser withholds that cookie, the token from that answer is
 * sent as a bearer token instead, kept in the tab's sessionStorage when the browser
 * allows it there, else for the page's lifetime.
 *
 * No message is lost or shown twice: pushed (outbox) messages are shown once per id
 * and acknowledged once shown; after every (re)connect the page is redrawn from the
 * server's record, and a message whose fate is unknown is sent again only if the
 * server has not stored it.
 *
 * Everything the bot, an agent or the customer wrote is put in the page as text
 * (textContent); links become <a> elements for http(s) URLs only.
 */
'use strict';

(() => {
  // The page's fixed texts (api/wording.py WIDGET), written into the page by the gateway.
  const TEXT = JSON.parse(document.getElementById('wording').textContent);
  // Shown under the welcome of an empty conversation; sent as typed text.
  const STARTERS = TEXT.starters.map((title) => ({ title }));
  const API = '/api/v1';
  const TOKEN_KEY = 'powerdesk_session_token';
  // In a frame the cookie is another site's as a rule, which browsers do not send: the
  // page carries its token from the start rather than find that out by a refusal.
  const FRAMED = window.self !== window.top;
  const TIME_GAP_MS = 5 * 60 * 1000;   // a time stamp when five minutes passed since the last one
  const HEARTBEAT_MS = 20000;
  const PONG_TIMEOUT_MS = 8000;
  const MAX_BACKOFF_MS = 15000;
  const SOCKET_FAILURES_BEFORE_HTTP = 3;  // sockets in a row that failed or closed at once
  const SOCKET_STABLE_MS = 3000;
  const RESEND_MAX_MS = 30000;  // a message the server did not take is sent again at most this far apart
  const CHINA_TIME = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hour12: false });
  const CHINA_DAY = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', month: 'numeric', day: 'numeric' });

  const $ = (id) => document.getElementById(id);
  const list = $('messages');
  const replies = $('replies');
  const input = $('input');
  const sendButton = $('send');
  const statusLine = $('status');

  /** The tab's storage, or null where the browser denies it (a frame on another site
   *  with third-party storage blocked): the token then lives as long as the page. */
  function tabStorage() {
    try { return window.sessionStorage; } catch (error) { return null; }
  }

  const state = {
    token: tabStorage() && tabStorage().getItem(TOKEN_KEY),  // only when the cookie is withheld
    socket: null,
    connecting: false,   // reading the record before a socket opens
    socketOpen: false,
    socketFailures: 0,
    backoffMs: 500,
    reconnectTimer: null,
    pongTimer: null,
    heartbeatTimer: null,
    everConnected: false,
    outbox: [],          // the customer's messages not yet handed to the server: {text, payload, row}
    inflight: null,      // the one handed over and not answered yet
    shownOutbox: new Set(),
    liveOutbox: new Map(),  // outbox messages shown from a frame, in case a redraw's record predates them
    lastTime: 0,
    composing: false,
    historyPoll: null,
    resendAt: 0,         // while the server cannot take messages: not before this time
    resendDelayMs: 0,
    resendTimer: null,
  };

  /* ---------- drawing ---------- */

  const URL_PATTERN = /https?:\/\/[^\s<>"'，。！？、；）】]+/g;

  function appendText(element, text) {
    // Plain text, with http(s) links as <a>: nothing the text says becomes markup.
    let last = 0;
    for (const match of text.matchAll(URL_PATTERN)) {
      element.append(document.createTextNode(text.slice(last, match.index)));
      const link = document.createElement('a');
      link.href = match[0];
      link.textContent = match[0];
      link.target = '_blank';
      link.rel = 'noopener noreferrer nofollow';
      element.append(link);
      last = match.index + match[0].length;
    }
    element.append(document.createTextNode(text.slice(last)));
  }

  function stampTime(when) {
    const moment = when ? new Date(when) : new Date();
    if (moment.getTime() - state.lastTime < TIME_GAP_MS) return;
    state.lastTime = moment.getTime();
    const stamp = document.createElement('div');
    stamp.className = 'time';
    const today = CHINA_DAY.format(new Date()) === CHINA_DAY.format(moment);
    stamp.textContent = (today ? '' : CHINA_DAY.format(moment) + ' ') + CHINA_TIME.format(moment);
    list.append(stamp);
  }

  function scrollDown() {
    list.scrollTop = list.scrollHeight;
  }

  function element(tag, className, text) {
    const made = document.createElement(tag);
    if (className) made.className = className;
    if (text !== undefined) made.textContent = text;
    return made;
  }

  /** One message: who ("user", "bot", "agent", "notice"), its text, optional author and time. */
  function drawMessage({ direction, text, author, time }) {
    stampTime(time);
    if (direction === 'notice') {
      const notice = element('div', 'notice');
      const span = element('span');
      appendText(span, text);
      notice.append(span);
      list.append(notice);
      scrollDown();
      return notice;
    }
    const row = element('div', `row ${direction}`);
    const avatar = element('img', 'avatar');
    avatar.alt = '';
    avatar.src = `/chat/avatar-${direction === 'user' ? 'customer' : direction}.svg`;
    const body = element('div', 'body');
    if (direction === 'agent') body.append(element('div', 'author', author ? `${TEXT.agent} · ${author}` : TEXT.agent));
    const bubble = element('div', 'bubble');
    appendText(bubble, text);
    body.append(bubble);
    row.append(avatar, body);
    list.append(row);
    scrollDown();
    return row;
  }

  /** The satisfaction question: its text and five stars; a tap sends the digit. */
  function drawCsat(message, answered) {
    const row = drawMessage({ ...message, direction: message.direction === 'agent' ? 'agent' : 'bot' });
    const body = row.querySelector('.body');
    const stars = element('div', 'stars');
    const hint = element('div', 'stars-hint', answered ? TEXT.csatThanks : TEXT.csatHint);
    const choices = (message.buttons && message.buttons.length ? message.buttons : [1, 2, 3, 4, 5].map((n) => ({ title: TEXT.csatScore.replace('{n}', n), payload: String(n) })));
    choices.forEach((choice, index) => {
      const star = element('button', 'star', '★');
      star.type = 'button';
      star.title = choice.title;
      star.setAttribute('aria-label', choice.title);
      star.disabled = answered;
      star.addEventListener('mouseenter', () => light(stars, index));
      star.addEventListener('mouseleave', () => light(stars, -1));
      star.addEventListener('click', () => {
        light(stars, index);
        stars.dataset.chosen = String(index);
        stars.querySelectorAll('button').forEach((b) => { b.disabled = true; });
        hint.textContent = TEXT.csatThanks;
        send(choice.payload, null);
      });
      stars.append(star);
    });
    body.append(stars, hint);
    scrollDown();
  }

  function light(stars, index) {
    const chosen = stars.dataset.chosen !== undefined ? Number(stars.dataset.chosen) : -1;
    const upTo = index >= 0 && chosen < 0 ? index : chosen;
    stars.querySelectorAll('.star').forEach((star, i) => star.classList.toggle('on', i <= upTo));
  }

  function showButtons(buttons) {
    replies.replaceChildren();
    for (const button of buttons || []) {
      const chip = element('button', 'reply', button.title);
      chip.type = 'button';
      chip.addEventListener('click', () => send(button.title, button.payload));
      replies.append(chip);
    }
    scrollDown();
  }

  function showTyping(on) {
    const existing = $('typing');
    if (on && !existing) {
      list.append($('typing-template').content.cloneNode(true));
      scrollDown();
    } else if (!on && existing) {
      existing.remove();
    } else if (on) {
      list.append(existing);  // keep it last
    }
  }

  function showMode(conversationState) {
    $('mode').textContent = conversationState === 'handoff' ? TEXT.modeHuman : TEXT.modeBot;
  }

  function showStatus(text, ok) {
    statusLine.hidden = !text;
    statusLine.textContent = text || '';
    statusLine.classList.toggle('ok', Boolean(ok));
  }

  /* ---------- the server's record ---------- */

  async function api(path, options = {}) {
    const headers = { ...(options.headers || {}) };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (state.token) headers.Authorization = `Bearer ${state.token}`;
    return fetch(API + path, { ...options, headers, credentials: 'same-origin', cache: 'no-store' });
  }

  async function newSession() {
    const response = await api('/sessions', { method: 'POST', body: JSON.stringify({ channel: 'web' }) });
    if (!response.ok) throw new Error(`session: ${response.status}`);
    return (await response.json()).token;
  }

  function keepToken(token) {
    state.token = token;
    if (tabStorage()) tabStorage().setItem(TOKEN_KEY, token);
  }

  /** The current conversation; a new session first when there is none (or it expired). */
  async function fetchConversation() {
    // Framed without a token there is no session to read: no request that can only be refused.
    let response = state.token || !FRAMED ? await api('/conversation') : null;
    if (response && response.status !== 401) return response.ok ? response.json() : Promise.reject(new Error(String(response.status)));
    const hadSession = Boolean(state.token) || state.everConnected;
    state.token = null;
    if (tabStorage()) tabStorage().removeItem(TOKEN_KEY);
    const token = await newSession();
    if (FRAMED) keepToken(token);
    response = await api('/conversation');
    if (response.status === 401 && !state.token) {  // the cookie was not sent back: carry the token ourselves
      keepToken(token);
      response = await api('/conversation');
    }
    if (!response.ok) throw new Error(`conversation: ${response.status}`);
    const conversation = await response.json();
    conversation.renewed = hadSession;
    return conversation;
  }

  /** Draw the whole conversation from the server's record (after a load or reconnect);
   *  returns whether its last message still waits for the bot's answer. */
  function drawConversation(conversation) {
    list.replaceChildren();
    state.lastTime = 0;
    drawMessage({ direction: 'notice', text: TEXT.welcome, time: (conversation.messages[0] || {}).time });
    if (conversation.renewed) drawMessage({ direction: 'notice', text: TEXT.newSession });
    const messages = conversation.messages;
    const recorded = new Set(messages.filter((m) => m.outbox_id != null).map((m) => m.outbox_id));
    messages.forEach((message, index) => {
      if (message.kind === 'csat') {
        drawCsat(message, messages.slice(index + 1).some((m) => m.direction === 'user'));
      } else {
        drawMessage(message);
      }
    });
    state.shownOutbox = new Set(recorded);
    for (const [id, frame] of state.liveOutbox) {  // shown from a frame after this record was read
      if (!recorded.has(id)) drawFrame(frame);
    }
    const users = messages.filter((m) => m.direction === 'user');
    const lastUser = users[users.length - 1];
    const waiting = Boolean(lastUser && lastUser.pending && messages[messages.length - 1] === lastUser);
    const inflight = state.inflight;
    if (inflight && !(waiting && lastUser.text === inflight.text)) list.append(inflight.row);
    for (const item of state.outbox) list.append(item.row);  // still waiting to be sent
    showButtons(conversation.buttons || (messages.length ? [] : STARTERS));
    showMode(conversation.state);
    showTyping(waiting || Boolean(inflight));
    return waiting;
  }

  /** Whether the page may be redrawn from the record: not while a message is being
   *  answered on a live connection (its answer would be drawn twice). */
  function mayRedraw() {
    return !state.inflight || state.inflight.uncertain;
  }

  /** Redraw from the record; while the last message still waits for its answer, look again. */
  async function resync() {
    clearTimeout(state.historyPoll);
    const conversation = await fetchConversation();
    conversation.messages = conversation.messages || [];
    settleUncertain(conversation);
    if (drawConversation(conversation)) pollRecord();
    return conversation;
  }

  function pollRecord() {
    state.historyPoll = setTimeout(() => (mayRedraw() ? resync().catch(() => {}) : pollRecord()), 1500);
  }

  /* ---------- the socket ---------- */

  function socketUrl() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const query = state.token ? `?token=${encodeURIComponent(state.token)}` : '';
    return `${scheme}//${location.host}${API}/ws${query}`;
  }

  async function connect() {
    clearTimeout(state.reconnectTimer);
    if (state.socket || state.connecting || !navigator.onLine) return;
    if (!mayRedraw()) { scheduleReconnect(); return; }  // after the HTTP answer
    state.connecting = true;
    try {
      await resync();
    } catch (error) {
      scheduleReconnect();
      return;
    } finally {
      state.connecting = false;
    }
    const socket = new WebSocket(socketUrl());
    state.socket = socket;
    socket.addEventListener('open', () => {
      state.socketOpen = true;
      state.backoffMs = 500;
      // A socket that stays open is a working one; one closed at once (a proxy) counts as failed.
      setTimeout(() => { if (state.socket === socket) state.socketFailures = 0; }, SOCKET_STABLE_MS);
      showStatus(state.everConnected ? TEXT.reconnected : '', true);
      if (state.everConnected) setTimeout(() => { if (state.socketOpen) showStatus(''); }, 1500);
      state.everConnected = true;
      heartbeat();
      pump();
    });
    socket.addEventListener('message', (event) => onFrame(JSON.parse(event.data)));
    socket.addEventListener('close', () => onSocketClosed(socket));
  }

  function onSocketClosed(socket) {
    if (state.socket !== socket) return;
    state.socket = null;
    state.socketOpen = false;
    clearInterval(state.heartbeatTimer);
    clearTimeout(state.pongTimer);
    state.socketFailures += 1;  // reset by a socket that stays open
    if (state.inflight && state.inflight.via === 'socket') {
      state.inflight.uncertain = true;  // sent, but its answer was lost with the socket
    }
    showStatus(navigator.onLine ? TEXT.reconnecting : TEXT.offline);
    scheduleReconnect();
    pump();  // over HTTP, when the socket keeps failing
  }

  function scheduleReconnect() {
    clearTimeout(state.reconnectTimer);
    if (!navigator.onLine) { showStatus(TEXT.offline); return; }
    const delay = state.backoffMs * (0.8 + Math.random() * 0.4);
    state.backoffMs = Math.min(state.backoffMs * 2, MAX_BACKOFF_MS);
    state.reconnectTimer = setTimeout(connect, delay);
  }

  function heartbeat() {
    clearInterval(state.heartbeatTimer);
    state.heartbeatTimer = setInterval(() => {
      // The server answers a socket's frames in turn: during a bot turn the pong waits for it.
      if (!state.socketOpen || state.inflight) return;
      state.socket.send(JSON.stringify({ type: 'ping' }));
      clearTimeout(state.pongTimer);
      state.pongTimer = setTimeout(() => state.socket && state.socket.close(), PONG_TIMEOUT_MS);
    }, HEARTBEAT_MS);
  }

  function onFrame(frame) {
    if (frame.type === 'pong') {
      clearTimeout(state.pongTimer);
    } else if (frame.type === 'message') {
      if (!state.shownOutbox.has(frame.id)) {
        state.liveOutbox.set(frame.id, frame);
        drawFrame(frame);
      }
      state.socket.send(JSON.stringify({ type: 'ack', id: frame.id }));  // shown (now or before)
    } else if (frame.type === 'reply') {
      answered(frame);
    } else if (frame.type === 'error' && state.inflight && frame.code === 'storage_unavailable') {
      notTaken(state.inflight, frame.retry_after_s);
    } else if (frame.type === 'error' && state.inflight) {
      failed(state.inflight);
    }
  }

  /** An outbox message from a frame: drawn once per id. */
  function drawFrame(frame) {
    state.shownOutbox.add(frame.id);
    const message = { direction: frame.kind === 'notice' ? 'notice' : frame.kind === 'agent' ? 'agent' : 'bot',
                      text: frame.text, author: frame.author, buttons: frame.buttons };
    if (frame.kind === 'agent') showMode('handoff');  // a human is answering
    if (frame.kind === 'csat') {
      showMode('bot');  // the agent resolved it: the bot asks for the score
      drawCsat(message, false);
    } else {
      drawMessage(message);
      showButtons(frame.buttons);  // the choices of an earlier reply no longer apply
    }
    if (state.inflight || $('typing')) showTyping(true);
  }

  /* ---------- sending ---------- */

  function send(text, payload) {
    text = text.trim();
    if (!text) return;
    showButtons([]);
    const row = drawMessage({ direction: 'user', text });
    row.classList.add('sending');
    const item = { text, payload, row };
    state.outbox.push(item);
    pump();
  }

  /** Hand the next waiting message over: on the socket, else over HTTP when the socket keeps failing. */
  function pump() {
    if (state.inflight || !state.outbox.length || Date.now() < state.resendAt) return;
    const item = state.outbox[0];
    const frame = { type: 'message', text: item.text, ...(item.payload ? { payload: item.payload } : {}) };
    if (state.socketOpen) {
      state.outbox.shift();
      state.inflight = { ...item, via: 'socket' };
      state.socket.send(JSON.stringify(frame));
    } else if (state.socketFailures >= SOCKET_FAILURES_BEFORE_HTTP && navigator.onLine) {
      state.outbox.shift();
      state.inflight = { ...item, via: 'http' };
      postChat(state.inflight, frame);
    } else {
      return;  // the reconnect sends it
    }
    showTyping(true);
  }

  async function postChat(item, frame) {
    try {
      const response = await api('/chat', { method: 'POST', body: JSON.stringify({ text: frame.text, payload: frame.payload }) });
      if (response.status === 503) {
        const body = await response.json().catch(() => ({}));
        if ((body.error || {}).code === 'storage_unavailable') {
          notTaken(item, Number(response.headers.get('Retry-After')));
          return;
        }
      }
      if (!response.ok) { failed(item); return; }
      answered(await response.json());
    } catch (error) {
      item.uncertain = true;  // it may have reached the server: the next resync decides
      scheduleReconnect();
    }
  }

  /** The server answered that it could not store the message (its database is
   *  recovering): nothing was kept there, so it waits here, first in line, and is sent
   *  again after the server's Retry-After, then less and less often. */
  function notTaken(item, retryAfterS) {
    state.inflight = null;
    showTyping(false);
    item.row.classList.add('sending');
    if (!item.row.querySelector('.state')) item.row.querySelector('.body').append(element('div', 'state', TEXT.resending));
    state.outbox.unshift({ text: item.text, payload: item.payload, row: item.row });
    state.resendDelayMs = Math.min(Math.max(state.resendDelayMs * 2, (retryAfterS || 3) * 1000), RESEND_MAX_MS);
    state.resendAt = Date.now() + state.resendDelayMs;
    clearTimeout(state.resendTimer);
    state.resendTimer = setTimeout(pump, state.resendDelayMs);
  }

  function answered(reply) {
    const item = state.inflight;
    state.inflight = null;
    state.resendDelayMs = 0;
    if (item) { const note = item.row.querySelector('.state'); if (note) note.remove(); }
    if (item) item.row.classList.remove('sending');
    showTyping(false);
    const messages = reply.messages || [];
    for (const message of messages) drawMessage({ direction: 'bot', text: message.text });
    showButtons(messages.flatMap((message) => message.buttons || []));
    showMode(reply.state);
    pump();
  }

  function failed(item) {
    state.inflight = null;
    showTyping(false);
    item.row.classList.remove('sending');
    item.row.classList.add('failed');
    const note = element('div', 'state', TEXT.failed);
    item.row.querySelector('.body').append(note);
    item.row.addEventListener('click', () => { item.row.remove(); send(item.text, item.payload); }, { once: true });
    pump();
  }

  /** After a reconnect: a message sent just before the drop either reached the server
   *  (its record shows it: the redraw shows the answer, or waits for it) or is sent again. */
  function settleUncertain(conversation) {
    const item = state.inflight;
    if (!item || !item.uncertain) return;
    state.inflight = null;
    const users = conversation.messages.filter((m) => m.direction === 'user');
    const lastUser = users[users.length - 1];
    if (!lastUser || lastUser.text !== item.text) state.outbox.unshift({ text: item.text, payload: item.payload, row: item.row });
  }

  /* ---------- the composer ---------- */

  function autoGrow() {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 120)}px`;
    sendButton.disabled = !input.value.trim();
  }

  function submit() {
    if (!input.value.trim()) return;
    send(input.value, null);
    input.value = '';
    autoGrow();
    input.focus();
  }

  // A Chinese input method composes a word before it is committed: an Enter that
  // confirms the candidate must not send the half-typed pinyin.
  input.addEventListener('compositionstart', () => { state.composing = true; });
  input.addEventListener('compositionend', () => { setTimeout(() => { state.composing = false; }, 0); });
  input.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.shiftKey) return;
    if (event.isComposing || state.composing || event.keyCode === 229) return;
    event.preventDefault();
    submit();
  });
  input.addEventListener('input', autoGrow);
  $('composer').addEventListener('submit', (event) => { event.preventDefault(); submit(); });

  window.addEventListener('offline', () => {
    showStatus(TEXT.offline);
    if (state.socket) state.socket.close();
  });
  window.addEventListener('online', () => {
    state.backoffMs = 500;
    showStatus(TEXT.reconnecting);
    connect();
  });

  if (new URLSearchParams(location.search).has('embed')) {
    document.body.classList.add('embedded');
    const close = $('close');
    close.hidden = false;
    close.addEventListener('click', () => window.parent.postMessage({ type: 'powerdesk:close' }, '*'));
  }

  showStatus(TEXT.connecting);
  connect();
})();
