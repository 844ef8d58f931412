// lettermerge studio, Letter screen: the editor's line numbers, the insert buttons, the
// live preview (posted on each pause in typing, late answers dropped) and Save.
"use strict";

(function () {
  // A pause this long ends a burst of typing: short enough that the page follows the
  // typing, long enough that a fast typist's burst is one render, not one per key.
  var DEBOUNCE_MS = 60;

  var editor, gutter, preview, pages, emailView, problem, notes, rowInput, rowLabel,
    saveStatus;
  var inputSeq = 0;   // edits (and row changes) so far; each preview request carries it
  var shownSeq = 0;   // the newest answer applied
  var timer = null;
  var errorLine = null;
  var rows = 0;

  function $(id) { return document.getElementById(id); }

  function lineCount() { return editor.value.split("\n").length; }

  function drawGutter() {
    var n = lineCount();
    var out = [];
    for (var i = 1; i <= n; i++) {
      out.push(i === errorLine ? "<span class=\"bad\">" + i + "</span>" : String(i));
    }
    gutter.innerHTML = out.join("\n") + "\n";
    gutter.scrollTop = editor.scrollTop;
  }

  // Selects line `n` of the editor and scrolls it into view.
  function gotoLine(n) {
    var lines = editor.value.split("\n");
    var start = 0;
    for (var i = 0; i < n - 1 && i < lines.length; i++) start += lines[i].length + 1;
    var end = start + (lines[n - 1] || "").length;
    editor.focus();
    editor.setSelectionRange(start, end);
    var lineHeight = parseFloat(getComputedStyle(editor).lineHeight) || 18;
    editor.scrollTop = Math.max(0, (n - 4) * lineHeight);
    gutter.scrollTop = editor.scrollTop;
  }

  function currentRow() {
    var n = parseInt(rowInput.value, 10);
    if (!(n >= 1)) n = 1;
    if (rows && n > rows) n = rows;
    return n;
  }

  // Each edit and each row change is one more input; the preview shows which it answers.
  function bump() {
    inputSeq += 1;
    editor.setAttribute("data-input-seq", String(inputSeq));
  }

  function edited() {
    bump();
    drawGutter();
    if (timer) clearTimeout(timer);
    timer = setTimeout(send, DEBOUNCE_MS);
  }

  function send() {
    timer = null;
    var seq = inputSeq;
    var body = new URLSearchParams();
    body.set("text", editor.value);
    body.set("row", String(currentRow()));
    body.set("seq", String(seq));
    fetch("/letter/preview", {
      method: "POST",
      body: body,
      credentials: "same-origin",
    }).then(function (r) { return r.json(); })
      .then(apply)
      .catch(function (e) {
        showProblem("<p><strong>The studio did not answer</strong>: " +
          String(e).replace(/[&<>"']/g, "") + ". Is it still running?</p>", null);
      });
  }

  function showProblem(html, line) {
    problem.innerHTML = html;
    problem.hidden = false;
    preview.classList.add("stale");
    errorLine = line;
    drawGutter();
  }

  // Fragments come from the server with every value escaped there.
  function apply(answer) {
    if (typeof answer.seq !== "number" || answer.seq < shownSeq) return; // a late answer
    shownSeq = answer.seq;
    if (answer.rowLabel !== undefined) rowLabel.textContent = answer.rowLabel;
    if (answer.ok) {
      problem.hidden = true;
      problem.innerHTML = "";
      errorLine = null;
      pages.innerHTML = answer.pages;
      emailView.innerHTML = answer.email;
      notes.innerHTML = answer.notes || "";
      preview.classList.remove("stale");
      drawGutter();
    } else {
      showProblem(answer.problem, typeof answer.line === "number" ? answer.line : null);
    }
    preview.setAttribute("data-seq", String(answer.seq));
  }

  function insert(snippet) {
    var start = editor.selectionStart, end = editor.selectionEnd;
    var chosen = editor.value.slice(start, end);
    // If / else wraps the selected text into its first branch.
    if (chosen && snippet.indexOf("…") >= 0) snippet = snippet.replace("…", chosen);
    editor.focus();
    editor.setRangeText(snippet, start, end, "end");
    edited();
  }

  function setView(which) {
    document.querySelectorAll(".view-switch button").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-view") === which));
    });
    pages.hidden = which !== "page";
    emailView.hidden = which !== "email";
  }

  function goRow(n) {
    if (rows) n = Math.min(Math.max(n, 1), rows);
    rowInput.value = String(n);
    history.replaceState(null, "", "/letter?row=" + n);
    bump();
    if (timer) clearTimeout(timer);
    send();
  }

  function save() {
    var body = new URLSearchParams();
    body.set("text", editor.value);
    saveStatus.textContent = "Saving…";
    saveStatus.className = "";
    fetch("/letter/save", { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (a) {
        saveStatus.textContent = a.message;
        saveStatus.className = a.saved ? (typeof a.line === "number" ? "warn" : "ok") : "bad";
        if (a.saved) editor.setAttribute("data-saved-seq", String(inputSeq));
      })
      .catch(function (e) {
        saveStatus.textContent = "Not saved: the studio did not answer (" + e + ").";
        saveStatus.className = "bad";
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    editor = $("template");
    if (!editor) return;
    gutter = document.querySelector(".editor .gutter");
    preview = $("preview");
    pages = $("pages");
    emailView = $("email");
    problem = $("problem");
    notes = $("notes");
    rowInput = $("row-number");
    rowLabel = $("row-label");
    saveStatus = $("save-status");
    rows = parseInt(document.querySelector(".letter-screen").getAttribute("data-rows"), 10) || 0;
    var line = parseInt(problem.getAttribute("data-line"), 10);
    errorLine = line >= 1 ? line : null;
    drawGutter();

    editor.addEventListener("input", edited);
    editor.addEventListener("scroll", function () { gutter.scrollTop = editor.scrollTop; });
    editor.addEventListener("keydown", function (e) {
      if ((e.ctrlKey || e.metaKey) && e.key === "s") { e.preventDefault(); save(); }
    });
    document.querySelectorAll("[data-insert]").forEach(function (b) {
      b.addEventListener("click", function () { insert(b.getAttribute("data-insert")); });
    });
    document.querySelectorAll(".view-switch button").forEach(function (b) {
      b.addEventListener("click", function () { setView(b.getAttribute("data-view")); });
    });
    // "Line N" links in the problem and the notes, present now or swapped in later.
    document.addEventListener("click", function (e) {
      var t = e.target.closest ? e.target.closest("button.goto") : null;
      if (t) gotoLine(parseInt(t.getAttribute("data-line"), 10));
    });
    $("row-prev").addEventListener("click", function () { goRow(currentRow() - 1); });
    $("row-next").addEventListener("click", function () { goRow(currentRow() + 1); });
    rowInput.addEventListener("change", function () { goRow(currentRow()); });
    $("save").addEventListener("click", save);
  });
})();
