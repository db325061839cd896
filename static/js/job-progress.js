// The progress page of a background job (a large export, a summary): keeps the bar up to date and
// shows the result link when the job is done. An extra: without JavaScript the "Ververs" link does
// the same.
//
// The page's `.job[data-status-url]` element says what to follow and show:
//   data-status-url        the job's state as JSON (progress, step_label, status_label, finished,
//                          failed, error and the result's address)
//   data-result-key        the state's field with the result's address, put on the [data-job-result] link
//   data-result-required   (optional) finished without that address means the result is gone: reload,
//                          the page says why
//   data-label-done        "Klaar", announced with the link's text
//   data-label-rows        (optional) the text for #job-rows; "__ROWS__" stands for state.rows
(function () {
  "use strict";
  var job = document.querySelector(".job[data-status-url]");
  if (!job) { return; }
  var bar = document.getElementById("job-progress");
  var percent = document.getElementById("job-percent");
  var step = document.getElementById("job-step");
  var status = document.getElementById("job-status");
  var announce = document.getElementById("job-announce");
  var done = document.getElementById("job-done");
  var link = job.querySelector("[data-job-result]");
  var failed = document.getElementById("job-failed");
  var error = document.getElementById("job-error");
  var refresh = document.getElementById("job-refresh");
  var rows = document.getElementById("job-rows");
  var lastStep = step.textContent;

  var show = function (state) {
    bar.value = state.progress;
    bar.textContent = state.progress + "%";
    percent.textContent = state.progress + "%";
    step.textContent = state.step_label;
    status.textContent = state.status_label;
    if (state.step_label !== lastStep) {
      lastStep = state.step_label;
      announce.textContent = state.progress + "%: " + state.step_label;
    }
    if (state.finished) {
      if (refresh) { refresh.hidden = true; }
      var url = state[job.dataset.resultKey];
      if (!url && "resultRequired" in job.dataset) {
        window.location.reload();  // expired in the meantime: the page says so
        return true;
      }
      if (url) { link.href = url; }
      if (rows && job.dataset.labelRows && state.rows !== null && state.rows !== undefined) {
        rows.textContent = job.dataset.labelRows.replace("__ROWS__", state.rows);
      }
      done.hidden = false;
      announce.textContent = job.dataset.labelDone + ". " + link.textContent;
    } else if (state.failed) {
      error.textContent = state.error;
      failed.hidden = false;
      if (refresh) { refresh.hidden = true; }
      failed.focus();
    }
    return state.finished || state.failed;
  };

  var poll = function () {
    fetch(job.dataset.statusUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (state) { if (!show(state)) { window.setTimeout(poll, 1000); } })
      .catch(function () { window.setTimeout(poll, 3000); });
  };
  // Only while the job runs (the page shows "Ververs" then); a finished or failed job stays as it is.
  if (done.hidden && failed.hidden && refresh) { window.setTimeout(poll, 500); }
})();
