// lettermerge studio: the little the pages need beyond plain HTML forms. No network loads.
"use strict";

// An upload over the limit is refused here, before it is sent (the server refuses it too).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form.upload").forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    var error = form.querySelector(".upload-error");
    var max = Number(form.getAttribute("data-max-bytes"));
    form.addEventListener("submit", function (event) {
      var file = input.files && input.files[0];
      var message = "";
      if (!file) {
        message = "Choose a file first.";
      } else if (max && file.size > max) {
        message = file.name + " is " + Math.ceil(file.size / 1048576) +
          " MiB; the studio takes data files up to " + Math.floor(max / 1048576) + " MiB.";
      }
      if (message) {
        event.preventDefault();
        error.textContent = message;
        error.hidden = false;
      } else {
        error.hidden = true;
        form.classList.add("busy");
      }
    });
  });

  // The Include checkboxes of the data table: each change is saved in the config at once.
  document.querySelectorAll("table.rows input[name=include], input[name=include][data-exclude]").forEach(function (box) {
    box.addEventListener("change", function () {
      var row = box.value;
      var line = box.closest("tr") || box.closest("section");
      var error = document.querySelector(".exclude-error");
      box.disabled = true;
      fetch("/exclude", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: "row=" + encodeURIComponent(row) + "&include=" + (box.checked ? "1" : "0"),
        credentials: "same-origin"
      }).then(function (response) {
        return response.text().then(function (text) {
          if (!response.ok) { throw new Error(text || response.statusText); }
          line.classList.toggle("excluded", !box.checked);
          var count = document.querySelector(".left-out-count");
          if (count) { count.textContent = text === "0" ? "" : text + " left out"; }
          if (error) { error.hidden = true; }
        });
      }).catch(function (e) {
        box.checked = !box.checked;
        if (error) { error.textContent = "Not saved: " + e.message; error.hidden = false; }
      }).then(function () { box.disabled = false; });
    });
  });

  // A print run in progress: its counts follow the run; the page reloads when it ends.
  var running = document.querySelector("[data-print-running]");
  if (running) {
    var bar = running.querySelector("progress");
    var pass = running.querySelector(".pass");
    var count = running.querySelector(".count");
    var poll = function () {
      fetch("/print/status", { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (!s.running) { window.location.reload(); return; }
          if (s.total) { bar.max = s.total; }
          bar.value = s.done;
          pass.textContent = (s.pass || "Starting") + "…";
          count.textContent = s.done + " of " + (s.total || "?") + " letters";
          window.setTimeout(poll, 250);
        })
        .catch(function () { window.setTimeout(poll, 1000); });
    };
    window.setTimeout(poll, 250);
  }
});
