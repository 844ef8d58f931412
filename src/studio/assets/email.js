// lettermerge studio, Email screen: the live counts of a running send, from the server's
// event stream (/email/events). Without script the page still works: reload to see them.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var run = document.getElementById("run");
  if (!run || !run.hasAttribute("data-live") || !window.EventSource) {
    return;
  }
  var bar = run.querySelector("progress");
  var set = function (key, value) {
    var el = run.querySelector("[data-k=" + key + "]");
    if (el) {
      el.textContent = value;
    }
  };
  var source = new EventSource("/email/events");
  source.addEventListener("progress", function (event) {
    var s = JSON.parse(event.data);
    ["sent", "total", "failed", "unknown", "skipped"].forEach(function (k) {
      set(k, String(s[k]));
    });
    set("rate", s.rate || "–");
    set("left", s.left || "–");
    set("message", s.message || "");
    set("title", s.title);
    var failedBox = run.querySelector("[data-box=failed]");
    if (failedBox) {
      failedBox.classList.toggle("bad", s.failed > 0);
    }
    var unknownBox = run.querySelector("[data-box=unknown]");
    if (unknownBox) {
      unknownBox.classList.toggle("warn", s.unknown > 0);
    }
    if (bar) {
      bar.max = Math.max(s.total, 1);
      bar.value = s.done;
    }
    var list = run.querySelector("[data-k=failures]");
    if (list) {
      list.textContent = "";
      s.failures.forEach(function (f) {
        var li = document.createElement("li");
        li.textContent = "row " + f[0] + ": " + f[2];
        list.appendChild(li);
      });
    }
    run.className = "card run run-" + s.phase;
    if (s.phase === "done" || s.phase === "failed") {
      // The page again, with the send record below as the ledger now has it.
      source.close();
      window.location.replace("/email");
    }
  });
  source.onerror = function () {
    // The studio stopped, or the run ended between two reads: the page says how it stands.
    source.close();
  };
});

// The sign-in card: while a sign-in runs, show the provider's address and code as they come
// (/email/signin/status), and reload once it is over so the page says how it went.
document.addEventListener("DOMContentLoaded", function () {
  var card = document.getElementById("signin");
  if (!card || !card.hasAttribute("data-live") || !window.fetch) {
    return;
  }
  var box = document.getElementById("signin-status");
  var show = function (s) {
    while (box.firstChild) {
      box.removeChild(box.firstChild);
    }
    (s.lines || []).forEach(function (line) {
      var p = document.createElement("p");
      p.textContent = line;
      box.appendChild(p);
    });
    if (s.url && /^https?:\/\//.test(s.url)) {
      var p = document.createElement("p");
      var a = document.createElement("a");
      a.href = s.url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.textContent = s.url;
      p.appendChild(a);
      box.appendChild(p);
    }
  };
  var poll = function () {
    fetch("/email/signin/status", { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (!s || s.done) {
          window.location.reload();
          return;
        }
        show(s);
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  };
  poll();
});
