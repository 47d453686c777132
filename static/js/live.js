// Live regions: an element with data-live-ws and data-live-refresh listens on a websocket for
// "something changed" hints and refetches its HTML from data-live-refresh. Pushes are hints
// only: on every (re)connect, and every 30 s as a fallback, the region resyncs over HTTP.
// data-live-reload="<selector>": when a refetch brings an element matching the selector (by id)
// that the region did not show before, the whole page reloads, for changes that reach beyond the
// region (a finished training run adds a model version and its metrics to the model page).
// data-live-keep on an element with an id (a form being filled in): when a refetch brings an
// element with that id, the one on the page stays, with what was typed or chosen, and its focus.
(function () {
  "use strict";

  function marked(el) {
    var ids = {};
    if (el.dataset.liveReload) {
      el.querySelectorAll(el.dataset.liveReload).forEach(function (n) { ids[n.id] = true; });
    }
    return ids;
  }

  var sent = 0;
  var CSRF = /(name="csrfmiddlewaretoken" value=")[^"]*/g;  // a fresh token on every render is no change

  function swap(el, html) {
    var kept = {}, active = document.activeElement, start = null, end = null;
    el.querySelectorAll("[data-live-keep][id]").forEach(function (n) { kept[n.id] = n; });
    if (active && el.contains(active)) { try { start = active.selectionStart; end = active.selectionEnd; } catch (e) { /* none */ } }
    el.innerHTML = html;
    Object.keys(kept).forEach(function (id) {
      var fresh = document.getElementById(id);
      if (fresh && el.contains(fresh) && fresh.hasAttribute("data-live-keep")) { fresh.replaceWith(kept[id]); }
    });
    if (active && el.contains(active) && document.activeElement !== active) {
      active.focus();
      if (typeof start === "number") { try { active.setSelectionRange(start, end); } catch (e) { /* none */ } }
    }
  }

  function refresh(el) {
    var seq = ++sent;  // fetches may answer out of order: never show an older answer over a newer one
    return fetch(el.dataset.liveRefresh, { credentials: "same-origin", headers: { "X-Live": "1" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        if (seq < (el.liveShown || 0)) { return; }
        el.liveShown = seq;
        if (el.innerHTML.trim().replace(CSRF, "$1") !== html.trim().replace(CSRF, "$1")) {
          var before = marked(el);
          swap(el, html);
          el.dispatchEvent(new CustomEvent("live:updated", { bubbles: true }));
          var after = marked(el);
          if (Object.keys(after).some(function (id) { return !before[id]; })) { window.location.reload(); }
        }
      })
      .catch(function () { /* the next hint or poll retries */ });
  }

  function connect(el, attempt) {
    var proto = window.location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(proto + window.location.host + el.dataset.liveWs);
    ws.onopen = function () { attempt = 0; el.dataset.liveState = "open"; refresh(el); };
    ws.onmessage = function () { refresh(el); };
    ws.onclose = function (ev) {
      el.dataset.liveState = "closed";
      if (ev.code === 4403 || ev.code === 4404) { return; }
      var delay = Math.min(30000, 500 * Math.pow(2, attempt));
      setTimeout(function () { connect(el, attempt + 1); }, delay);
    };
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live-ws]").forEach(function (el) {
      connect(el, 0);
      setInterval(function () { if (!document.hidden) { refresh(el); } }, 30000);
    });
  });
})();
