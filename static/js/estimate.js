// Live cost estimate: when JavaScript is on, the result follows what the customer types. The
// page works without it (a GET form); this only fetches the same result for the same query.
(function () {
  "use strict";
  var form = document.getElementById("estimate-form");
  var body = document.getElementById("estimate-body");
  if (!form || !body || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var timer = null;
  var latest = 0;
  function update() {
    var query = new URLSearchParams(new FormData(form)).toString();
    var ticket = ++latest;
    fetch("/customer/estimate?" + query + "&partial=1", { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        if (ticket !== latest) {
          return; // an older answer arriving late
        }
        body.innerHTML = html;
        history.replaceState(null, "", "/customer/estimate?" + query);
      })
      .catch(function () { /* keep the last result; the Estimate button still works */ });
  }
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(update, 250);
  }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
})();
