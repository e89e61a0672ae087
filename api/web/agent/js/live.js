// The live stream (GET /api/v1/handoffs/stream, Server-Sent Events).  EventSource
// reconnects by itself and sends Last-Event-ID, so the server replays what was missed;
// when the stream closes for good (the session ended) the app checks the session.

import {$} from "./dom.js";

const EVENTS = ["handoff.queued", "handoff.updated", "message", "note", "complaint.updated",
                "callback.created", "callback.updated", "agent.updated"];

export function connect(onEvent, onClosed) {
  const status = $("live-status");
  const paint = (state, text) => { status.className = `live-dot ${state}`; status.textContent = text; };
  let source = null;
  let stopped = false;

  const open = () => {
    source = new EventSource("/api/v1/handoffs/stream", {withCredentials: true});
    source.onopen = () => paint("on", "实时连接");
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        paint("off", "连接已断开");
        if (!stopped) { onClosed(); setTimeout(() => { if (!stopped) open(); }, 3000); }
      } else {
        paint("off", "重新连接中…");
      }
    };
    for (const type of EVENTS) {
      source.addEventListener(type, (event) => {
        let data;
        try { data = JSON.parse(event.data); } catch { return; }
        onEvent(type, data);
      });
    }
  };
  open();
  return () => { stopped = true; source?.close(); };
}
