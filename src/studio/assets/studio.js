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
});
