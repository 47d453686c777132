// Implicit feedback from the ticket page (SPEC §4.1): clicks on links in answers, visible dwell
// time and maximum scroll depth. Each time the page is hidden, the running totals of this page
// view go to the server with navigator.sendBeacon (form data with the CSRF token); the server
// keeps the newest (by sequence number), so a replayed beacon counts once.
(function () {
  "use strict";
  var root, url, token, viewId, seq = 0, clicked = false, depth = 0, visibleMs = 0, visibleSince = null;

  function randomId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function measureDepth() {
    var doc = document.documentElement;
    var seen = (window.scrollY + window.innerHeight) / Math.max(doc.scrollHeight, 1);
    depth = Math.max(depth, Math.min(1, seen));
  }

  function dwellSeconds() {
    var ms = visibleMs + (visibleSince === null ? 0 : Date.now() - visibleSince);
    return Math.min(3600, ms / 1000);
  }

  function send() {
    if (!url || !token) { return; }
    seq += 1;
    var data = new FormData();
    data.append("csrfmiddlewaretoken", token);
    data.append("view_id", viewId);
    data.append("seq", String(seq));
    data.append("clicked", clicked ? "on" : "");
    data.append("dwell", dwellSeconds().toFixed(2));
    data.append("depth", depth.toFixed(3));
    if (navigator.sendBeacon) { navigator.sendBeacon(url, data); }
    else { fetch(url, { method: "POST", body: data, credentials: "same-origin", keepalive: true }); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    root = document.getElementById("ticket-body");
    var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (!root || !csrf) { return; }
    url = root.dataset.signalsUrl;
    token = csrf.value;
    viewId = randomId();
    if (document.visibilityState === "visible") { visibleSince = Date.now(); }
    measureDepth();
    window.addEventListener("scroll", measureDepth, { passive: true });
    document.addEventListener("click", function (ev) {
      var link = ev.target.closest && ev.target.closest("a");
      if (link && link.closest(".answer, .message-agent")) { clicked = true; }
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") {
        if (visibleSince !== null) { visibleMs += Date.now() - visibleSince; visibleSince = null; }
        send();
      } else {
        visibleSince = Date.now();
      }
    });
    window.addEventListener("pagehide", function () { if (document.visibilityState === "visible") { send(); } });
  });
})();
