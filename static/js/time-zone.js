// Fills the sign-in form's hidden time zone field with the browser's IANA zone (e.g.
// "Europe/Berlin"). The server checks it against the tz database and keeps it only for an
// account that has no zone yet. Without JavaScript the field stays empty and the account's
// country decides until the person chooses a zone on their account page.
(function () {
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    return;
  }
  var fields = document.querySelectorAll("input[data-browser-time-zone]");
  for (var i = 0; i < fields.length; i++) {
    fields[i].value = zone;
  }
})();
