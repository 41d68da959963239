// The Copy button of the recovery codes page: shown only when this script runs (without it,
// one click on the list selects every code). Copies one code per line.
(function () {
  "use strict";
  var button = document.getElementById("copy-codes");
  var status = document.getElementById("copy-status");
  if (!button) return;
  var list = document.getElementById(button.getAttribute("data-copy-target"));
  if (!list) return;
  var codes = Array.prototype.map.call(list.querySelectorAll("code"), function (c) {
    return c.textContent.trim();
  }).join("\n");

  function say(message) {
    status.textContent = message;
  }

  // Selecting the list and asking the browser to copy it works where the Clipboard API does
  // not (plain HTTP on another host); the list stays selected for a manual copy if both fail.
  function copyBySelection() {
    var range = document.createRange();
    range.selectNodeContents(list);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var done = false;
    try {
      done = document.execCommand("copy");
    } catch (e) {
      done = false;
    }
    say(done ? "Copied." : "Selected: press Ctrl+C (or ⌘C) to copy.");
  }

  button.hidden = false;
  button.addEventListener("click", function () {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(codes).then(function () {
        say("Copied.");
      }, copyBySelection);
    } else {
      copyBySelection();
    }
  });
})();
