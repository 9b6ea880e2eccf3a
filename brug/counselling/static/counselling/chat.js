/* The conversation over a WebSocket (protocol: brug/counselling/consumers.py).

   The page works without this file: the form posts and the page reloads. With it, the page
   connects to data-ws-path, adds messages as they arrive (textContent only, never innerHTML),
   sends with a fresh random ref, and keeps messages that were not confirmed yet: after a
   reconnect (with back-off) they are sent again with the same ref, so each lands once.
   Unconfirmed messages live only in this page's memory, never in browser storage: after a
   quick exit nothing of the conversation is left behind. While the socket is not open, the
   form's normal POST is the fallback. */
(function () {
  "use strict";

  var root = document.querySelector("[data-chat]");
  if (!root || !("WebSocket" in window)) { return; }

  var FINAL = { 4401: "signin", 4404: "gone", 4409: "ended" };
  var MAX_DELAY = 30000;

  var list = root.querySelector("[data-chat-list]");
  var log = root.querySelector("[data-chat-log]");
  var statusBox = root.querySelector("[data-chat-status]");
  var errorBox = root.querySelector("[data-chat-error]");
  var form = root.querySelector("[data-chat-form]");
  var input = form ? form.querySelector("textarea") : null;
  var hint = root.querySelector("[data-chat-hint]");
  var me = root.getAttribute("data-me");
  var lang = document.documentElement.lang || undefined;

  var pending = new Map();   // ref -> {text, el}: sent, not confirmed by the server yet
  var socket = null;
  var everOpen = false;      // WebSockets work here at all (else always the form's POST)
  var delay = 1000;
  var retryTimer = null;
  var closedForGood = false;

  function label(name) { return root.getAttribute("data-label-" + name) || ""; }

  function setStatus(text) {
    if (statusBox.textContent !== text) { statusBox.textContent = text; }
  }

  function showError(text) { errorBox.textContent = text || ""; }

  var timeFormat = null;
  try {
    timeFormat = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
  } catch (e) { timeFormat = null; }

  function formatTime(iso) {
    var when = new Date(iso);
    if (isNaN(when.getTime())) { return ""; }
    return timeFormat ? timeFormat.format(when) : when.toLocaleString();
  }

  function newRef() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // randomUUID needs a secure context; getRandomValues does not.
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(b, function (x) {
      return (x + 0x100).toString(16).slice(1);
    }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function nearBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function buildMessage(sender, name, text, iso) {
    var li = document.createElement("li");
    li.className = "chat-msg chat-msg--" + sender + (sender === me ? " chat-msg--mine" : "");
    var meta = document.createElement("p");
    meta.className = "chat-meta";
    var who = document.createElement("span");
    who.className = "chat-name";
    who.textContent = name;
    meta.appendChild(who);
    meta.appendChild(document.createTextNode(" "));
    var time = document.createElement("time");
    if (iso) {
      time.setAttribute("datetime", iso);
      time.textContent = formatTime(iso);
    } else {
      time.textContent = label("sending");
    }
    meta.appendChild(time);
    var body = document.createElement("p");
    body.className = "chat-text";
    body.setAttribute("dir", "auto");
    body.textContent = text;
    li.appendChild(meta);
    li.appendChild(body);
    return li;
  }

  function dropEmptyNote() {
    var empty = root.querySelector("[data-chat-empty]");
    if (empty) { empty.parentNode.removeChild(empty); }
  }

  // One element per message id, in id order, before the unconfirmed ones.
  function addMessage(msg) {
    if (typeof msg.id !== "number") { return; }
    var waiting = pending.get(msg.ref);
    if (waiting && msg.sender === me) {
      pending.delete(msg.ref);
      if (waiting.el.parentNode) { waiting.el.parentNode.removeChild(waiting.el); }
    }
    if (list.querySelector('[data-id="' + msg.id + '"]')) { return; }
    var stick = nearBottom() || msg.sender === me;
    var li = buildMessage(msg.sender, msg.name, msg.text, msg.at);
    li.setAttribute("data-id", String(msg.id));
    li.setAttribute("data-ref", msg.ref);
    var before = null;
    var items = list.children;
    for (var i = 0; i < items.length; i++) {
      var id = items[i].getAttribute("data-id");
      if (id === null || Number(id) > msg.id) { before = items[i]; break; }
    }
    list.insertBefore(li, before);
    dropEmptyNote();
    if (stick) { scrollDown(); }
  }

  function transmit(ref, text) {
    socket.send(JSON.stringify({ type: "message", text: text, ref: ref }));
  }

  function flushPending() {
    pending.forEach(function (item, ref) { transmit(ref, item.text); });
  }

  function restoreText(ref) {
    var item = pending.get(ref);
    if (!item) { return; }
    pending.delete(ref);
    if (item.el.parentNode) { item.el.parentNode.removeChild(item.el); }
    if (input && !input.value) { input.value = item.text; }
  }

  function onFrame(event) {
    var data;
    try { data = JSON.parse(event.data); } catch (e) { return; }
    if (!data || typeof data !== "object") { return; }
    if (data.type === "history") {
      setStatus(label("open"));
      (data.messages || []).forEach(addMessage);
      flushPending();
    } else if (data.type === "message") {
      addMessage(data);
      if (data.sender === me) { showError(""); }
    } else if (data.type === "error") {
      if (data.ref) { restoreText(data.ref); }
      showError(data.message);
    }
  }

  function scheduleReconnect() {
    if (closedForGood || retryTimer) { return; }
    var wait = delay * (0.5 + Math.random());  // jitter: not every page at the same moment
    delay = Math.min(delay * 2, MAX_DELAY);
    retryTimer = window.setTimeout(function () { retryTimer = null; connect(); }, wait);
  }

  function connect() {
    if (closedForGood) { return; }
    if (socket !== null && socket.readyState <= WebSocket.OPEN) { return; }  // on its way
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    setStatus(label("connecting"));
    try {
      socket = new WebSocket(scheme + window.location.host + root.getAttribute("data-ws-path"));
    } catch (e) {
      socket = null;
      scheduleReconnect();
      return;
    }
    socket.addEventListener("open", function () {
      everOpen = true;
      delay = 1000;
      // "Connected" waits for the history: the server checks the conversation after the
      // handshake and may still close the socket.
    });
    socket.addEventListener("message", onFrame);
    socket.addEventListener("close", function (event) {
      socket = null;
      var reason = FINAL[event.code];
      if (reason) {
        closedForGood = true;
        setStatus(label(reason));
        if (reason === "ended" && form) {
          form.hidden = true;
          pending.forEach(function (item, ref) { restoreText(ref); });
        }
        return;
      }
      setStatus(pending.size ? label("kept") : label("lost"));
      scheduleReconnect();
    });
  }

  function isOpen() { return socket !== null && socket.readyState === WebSocket.OPEN; }

  if (form && input) {
    if (hint) {
      hint.hidden = false;
      var described = input.getAttribute("aria-describedby");
      input.setAttribute("aria-describedby", (described ? described + " " : "") + hint.id);
    }
    form.addEventListener("submit", function (event) {
      var text = input.value;
      if (!isOpen()) {
        // Not connected: the normal POST sends it, unless unconfirmed messages are waiting
        // (the page would reload and lose them): then it waits with them.
        if (!everOpen || closedForGood || pending.size === 0) { return; }
        event.preventDefault();
        if (!text.trim()) { return; }
        var kept = newRef();
        var keptEl = buildMessage(me, label("you"), text, null);
        keptEl.classList.add("chat-msg--pending");
        list.appendChild(keptEl);
        pending.set(kept, { text: text, el: keptEl });
        input.value = "";
        setStatus(label("kept"));
        if (retryTimer) { window.clearTimeout(retryTimer); retryTimer = null; }
        delay = 1000;
        connect();
        return;
      }
      event.preventDefault();
      if (!text.trim()) { input.focus(); return; }
      var ref = newRef();
      var el = buildMessage(me, label("you"), text, null);
      el.classList.add("chat-msg--pending");
      list.appendChild(el);
      dropEmptyNote();
      scrollDown();
      pending.set(ref, { text: text, el: el });
      input.value = "";
      showError("");
      transmit(ref, text);
      input.focus();
    });
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.altKey ||
          event.ctrlKey || event.metaKey) { return; }
      event.preventDefault();
      if (typeof form.requestSubmit === "function") { form.requestSubmit(); } else { form.submit(); }
    });
  }

  // Times in the reader's own time zone and language, like the ones that arrive live.
  Array.prototype.forEach.call(list.querySelectorAll("time[datetime]"), function (t) {
    var text = formatTime(t.getAttribute("datetime"));
    if (text) { t.textContent = text; }
  });
  scrollDown();
  connect();
})();
