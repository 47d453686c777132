// Live training progress on the model page: the server pushes each run's stage, epoch and loss
// over the admins' websocket; a new or finished run reloads the page for its metrics.
(function () {
  "use strict";
  var FINAL = ["succeeded", "rejected", "skipped", "failed"];

  function update(run) {
    var row = document.querySelector('tr[data-run="' + run.id + '"]');
    if (!row) { window.location.reload(); return; }
    var set = function (name, text) {
      var cell = row.querySelector('[data-field="' + name + '"]');
      if (cell) { cell.textContent = text; }
    };
    var before = row.querySelector('[data-field="status"]').textContent;
    set("status", run.status);
    set("stage", run.stage || "—");
    set("epoch", run.epochs ? run.epoch + "/" + run.epochs : String(run.epoch));
    set("loss", run.loss === null ? "—" : Number(run.loss).toFixed(4));
    if (FINAL.indexOf(run.status) >= 0 && before !== run.status) {
      window.setTimeout(function () { window.location.reload(); }, 500);
    }
  }

  function connect(path, delay) {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + window.location.host + path);
    ws.onmessage = function (e) {
      var msg = JSON.parse(e.data);
      if (msg.run) { update(msg.run); }
    };
    ws.onopen = function () { delay = 1000; };
    ws.onclose = function () {
      window.setTimeout(function () { connect(path, Math.min(delay * 2, 30000)); }, delay);
    };
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("training-runs");
    if (box && window.WebSocket) { connect(box.dataset.ws, 1000); }
  });
})();
