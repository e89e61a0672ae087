// Telling an agent that a customer is waiting: a short beep (WebAudio, no audio file)
// and a browser notification, asked for politely (a banner, never on page load).

import {$} from "./dom.js";

const DECLINED_KEY = "powerdesk.notifications.declined";
const MUTED_KEY = "powerdesk.sound.muted";
let audio = null;

/** Browsers start audio only after a user gesture: create the context on the first one. */
export function unlockAudioOnGesture() {
  const unlock = () => {
    try {
      audio = audio || new AudioContext();
      if (audio.state === "suspended") audio.resume();
    } catch { audio = null; }
  };
  document.addEventListener("pointerdown", unlock, {once: true});
  document.addEventListener("keydown", unlock, {once: true});
}

export const soundMuted = () => localStorage.getItem(MUTED_KEY) === "1";

/** Two short rising tones (about 0.3 s). */
export function beep() {
  if (!audio || soundMuted()) return;
  const start = audio.currentTime;
  [[880, 0], [1175, 0.16]].forEach(([frequency, offset]) => {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = "sine";
    osc.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start + offset);
    gain.gain.exponentialRampToValueAtTime(0.25, start + offset + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.14);
    osc.connect(gain).connect(audio.destination);
    osc.start(start + offset);
    osc.stop(start + offset + 0.15);
  });
}

/** A desktop notification when allowed; clicking it brings the console forward. */
export function notify(title, body, tag, onClick) {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  try {
    const n = new Notification(title, {body, tag, lang: "zh-CN"});
    n.onclick = () => { window.focus(); onClick?.(); n.close(); };
  } catch { /* some browsers allow notifications only from a service worker */ }
}

/** The sound toggle in the top bar and the one-time permission banner. */
export function setUpAlertControls() {
  const toggle = $("notify-toggle");
  const paint = () => { toggle.textContent = soundMuted() ? "提示音：关" : "提示音：开"; };
  toggle.hidden = false;
  paint();
  toggle.onclick = () => { localStorage.setItem(MUTED_KEY, soundMuted() ? "0" : "1"); paint(); if (!soundMuted()) beep(); };

  const banner = $("banner");
  if (!("Notification" in window) || Notification.permission !== "default" || localStorage.getItem(DECLINED_KEY)) {
    banner.hidden = true;
    return;
  }
  $("banner-text").textContent = "开启桌面通知后，即使工作台在后台，有客户排队时也会提醒您。";
  banner.hidden = false;
  $("banner-yes").onclick = async () => { banner.hidden = true; await Notification.requestPermission(); };
  $("banner-no").onclick = () => { banner.hidden = true; localStorage.setItem(DECLINED_KEY, "1"); };
}
