// Progressive enhancement: the follow-up page updates its progress without a
// reload. Without this script the page still works (its Refresh link).
(function () {
  "use strict";
  var box = document.getElementById("run-status");
  if (!box || !window.fetch) { return; }
  var runId = box.getAttribute("data-run");
  function poll() {
    fetch("/api/v1/followup-runs/" + runId, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (run) {
        if (!run) { return; }
        var bar = document.getElementById("run-progress");
        bar.max = run.total || 1;
        bar.value = run.done;
        if (run.status !== box.getAttribute("data-status")) {
          window.location.reload();
          return;
        }
        document.getElementById("progress-text").textContent = run.done + " / " + run.total;
        if (run.status === "queued" || run.status === "running") { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  var status = box.getAttribute("data-status");
  if (status === "queued" || status === "running") { setTimeout(poll, 1000); }
}());
