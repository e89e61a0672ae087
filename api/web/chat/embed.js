/* PowerDesk chat on any page, with one tag:
 *   <script src="https://GATEWAY/chat/embed.js" defer></script>
 * It adds a floating button (bottom right) that opens the chat (/chat of the same
 * gateway) in a frame; the frame's close button or the floating button closes it.
 * The gateway lets only the sites in POWERDESK_WIDGET_FRAME_ANCESTORS show the frame.
 */
'use strict';

(() => {
  if (window.__powerdeskChat) return;  // the tag twice on a page: one button
  window.__powerdeskChat = true;
  const script = document.currentScript;
  const origin = new URL(script ? script.src : '/chat/embed.js', location.href).origin;
  // The button's and the frame's labels (api/wording.py WIDGET_EMBED), written in by the gateway.
  const TEXT = /*{{wording}}*/ { open: '', close: '' };
  const GREEN = '#00845a';
  const SVG = 'http://www.w3.org/2000/svg';

  function icon(path) {
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('width', '26');
    svg.setAttribute('height', '26');
    svg.setAttribute('aria-hidden', 'true');
    const shape = document.createElementNS(SVG, 'path');
    shape.setAttribute('d', path);
    shape.setAttribute('fill', '#fff');
    svg.append(shape);
    return svg;
  }
  const CHAT = 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z';
  const CLOSE = 'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z';

  const button = document.createElement('button');
  button.type = 'button';
  button.id = 'powerdesk-chat-button';
  button.setAttribute('aria-label', TEXT.open);
  button.title = TEXT.open;
  Object.assign(button.style, {
    position: 'fixed', right: '20px', bottom: '20px', zIndex: '2147483000', width: '56px', height: '56px',
    borderRadius: '50%', border: '0', background: GREEN, boxShadow: '0 4px 16px rgba(0,0,0,.25)',
    cursor: 'pointer', display: 'flex', alignItems: 'center', justifyContent: 'center', padding: '0',
  });
  button.append(icon(CHAT));

  const panel = document.createElement('div');
  panel.id = 'powerdesk-chat-panel';
  Object.assign(panel.style, {
    position: 'fixed', zIndex: '2147483001', display: 'none', overflow: 'hidden', background: '#ededed',
    boxShadow: '0 8px 32px rgba(0,0,0,.28)',
  });
  let frame = null;

  function place() {
    const small = window.innerWidth < 520;
    Object.assign(panel.style, small
      ? { right: '0', bottom: '0', width: '100%', height: '100%', borderRadius: '0' }
      : { right: '20px', bottom: '88px', width: '380px', height: 'min(640px, calc(100vh - 112px))', borderRadius: '12px' });
  }

  function open() {
    if (!frame) {  // the chat loads on the first click, not with the host page
      frame = document.createElement('iframe');
      frame.src = `${origin}/chat?embed=1`;
      frame.title = TEXT.open;
      frame.allow = 'clipboard-write';
      Object.assign(frame.style, { width: '100%', height: '100%', border: '0', display: 'block' });
      panel.append(frame);
    }
    place();
    panel.style.display = 'block';
    button.replaceChildren(icon(CLOSE));
    button.setAttribute('aria-label', TEXT.close);
  }

  function close() {
    panel.style.display = 'none';
    button.replaceChildren(icon(CHAT));
    button.setAttribute('aria-label', TEXT.open);
  }

  button.addEventListener('click', () => (panel.style.display === 'none' ? open() : close()));
  window.addEventListener('resize', () => { if (panel.style.display !== 'none') place(); });
  window.addEventListener('message', (event) => {
    if (event.origin === origin && event.data && event.data.type === 'powerdesk:close') close();
  });
  function mount() { document.body.append(panel, button); }
  if (document.body) mount(); else document.addEventListener('DOMContentLoaded', mount);
})();
