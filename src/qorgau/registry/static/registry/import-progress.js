// Polls the progress of an import job and fills the <progress> bar and the counts; reloads the
// page when the job ends, so that the rejects link and the final counts appear. No inline
// script or style (the content security policy forbids both).
(function () {
  "use strict";
  var bar = document.querySelector("progress[data-progress-url]");
  if (!bar) {
    return;
  }
  var url = bar.getAttribute("data-progress-url");

  function show(name, value) {
    var cell = document.querySelector('[data-field="' + name + '"]');
    if (cell && name !== "status") {
      cell.textContent = value === null || value === undefined ? "—" : value.toLocaleString();
    }
  }

  function tick() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (job) {
        if (job.total_rows) {
          bar.max = Math.max(job.total_rows, job.processed_rows, 1);
        }
        bar.value = job.processed_rows;
        bar.textContent = job.percent + "%";
        ["total_rows", "processed_rows", "accepted_rows", "rejected_rows"].forEach(function (name) {
          show(name, job[name]);
        });
        if (job.status === "done" || job.status === "failed") {
          window.location.reload();
        } else {
          window.setTimeout(tick, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(tick, 5000);
      });
  }

  window.setTimeout(tick, 500);
})();
