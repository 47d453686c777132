// "carol is viewing / typing…" on an agent's ticket page, from the ticket's presence websocket
// (supportdesk/presence.py). Typing in the reply or note box is announced, and un-announced after
// a few quiet seconds. The socket reconnects with backoff; on reconnect everyone re-announces.
(function () {
  "use strict";
  var QUIET_MS = 4000;

  function render(el, others) {
    var parts = Object.keys(others).map(function (tab) { return others[tab]; })
      .sort(function (a, b) { return (a.state === "typing" ? 0 : 1) - (b.state === "typing" ? 0 : 1) || (a.who < b.who ? -1 : 1); })
      .map(function (o) { return o.who + (o.state === "typing" ? " is typing…" : " is viewing"); });
    el.textContent = parts.length ? "Also here: " + parts.join(", ") : "";
    el.hidden = !parts.length;
    el.classList.toggle("presence-typing", Object.keys(others).some(function (t) { return others[t].state === "typing"; }));
  }

  function start(el) {
    var ws = null, others = {}, typing = false, quiet = null, attempt = 0;
    var boxes = (el.dataset.presenceTyping || "").split(/\s+/);  // ids of the boxes whose typing is announced

    function send(isTyping) {
      typing = isTyping;
      if (ws && ws.readyState === WebSocket.OPEN) { ws.send(JSON.stringify({ typing: isTyping })); }
    }

    function connect() {
      var proto = window.location.protocol === "https:" ? "wss://" : "ws://";
      ws = new WebSocket(proto + window.location.host + el.dataset.presenceWs);
      ws.onopen = function () { attempt = 0; el.dataset.presenceState = "open"; if (typing) { send(true); } };
      ws.onmessage = function (ev) {
        var p = JSON.parse(ev.data).presence;
        if (!p) { return; }
        if (p.state === "left") { delete others[p.tab]; } else { others[p.tab] = p; }
        render(el, others);
      };
      ws.onclose = function (ev) {
        el.dataset.presenceState = "closed";
        others = {};
        render(el, others);
        if (ev.code === 4403) { return; }
        setTimeout(connect, Math.min(30000, 500 * Math.pow(2, attempt++)));
      };
    }

    document.addEventListener("input", function (ev) {
      if (!ev.target.id || boxes.indexOf(ev.target.id) < 0) { return; }
      if (!typing) { send(true); }
      clearTimeout(quiet);
      quiet = setTimeout(function () { send(false); }, QUIET_MS);
    });
    connect();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-presence-ws]").forEach(start);
  });
})();
