// The idle-logout warning (WCAG 2.2.1 timing adjustable). The server logs a person out after a stretch with no
// request (SEC-26); about two minutes before that, this shows a warning with "Stay logged in" and says it to
// screen readers. "Stay logged in" sends one request, which restarts the server's timer. Without script there
// is no warning and nothing else changes: what a person was sending when logged out is kept for after login.
(function () {
  "use strict";
  var box = document.getElementById("idle-warning");
  var live = document.getElementById("idle-live");
  if (!box || !live || !window.fetch) { return; }
  var idle = Number(box.getAttribute("data-idle-seconds")) * 1000;
  var warnBefore = Math.min(120000, idle / 2);
  var text = box.querySelector(".idle-text");
  var form = box.querySelector("form");
  var timers = [];

  function say(message) {
    text.textContent = message;
    live.textContent = "";
    // A fresh text node in the live region is what screen readers announce.
    window.setTimeout(function () { live.textContent = message; }, 50);
  }

  function minutes(ms) {
    var m = Math.round(ms / 60000);
    return m === 1 ? "1 minute" : m + " minutes";
  }

  function warn() {
    box.hidden = false;
    form.hidden = false;
    say("You will be logged out in " + minutes(warnBefore) + " because nothing has been sent for " +
        minutes(idle - warnBefore) + ". Choose “Stay logged in” to carry on.");
    if (!document.activeElement || document.activeElement === document.body) {
      form.querySelector("button").focus();
    }
  }

  function expired() {
    form.hidden = true;
    say("You have been logged out after " + minutes(idle) + " without activity. Anything you send now is kept: " +
        "log in again and check it before sending it again.");
  }

  function start() {
    timers.forEach(window.clearTimeout);
    box.hidden = true;
    timers = [window.setTimeout(warn, idle - warnBefore), window.setTimeout(expired, idle)];
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                                redirect: "manual" })
      .then(function (response) {
        if (response.status === 204) {
          start();
          live.textContent = "You are still logged in.";
        } else {
          expired();
        }
      })
      .catch(function () { say("The clinic server did not answer. Check the connection and try again."); });
  });
  start();
}());
