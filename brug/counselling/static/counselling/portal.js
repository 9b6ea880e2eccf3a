/* Client portal: quick exit.
 *
 * The "Quick exit" button is a POST form that works without JavaScript. With JavaScript,
 * pressing it (or Escape twice within a second) at once hides the page, tells the server to
 * end the session (navigator.sendBeacon, with the form's CSRF token) and replaces the page
 * with a neutral site: location.replace leaves no portal entry to go Back to.
 */
(function () {
  "use strict";

  var ESCAPE_WINDOW_MS = 1000;
  var lastEscape = 0;
  var leaving = false;

  function exitForm() {
    return document.querySelector("form.quick-exit");
  }

  function quickExit(event) {
    var form = exitForm();
    if (!form) {
      return;
    }
    var target = form.getAttribute("data-exit-url");
    if (!target) {
      return; // no target configured: let the form post and the server redirect
    }
    if (event) {
      event.preventDefault();
    }
    if (leaving) {
      return;
    }
    leaving = true;
    // Hide first: nothing of the page may stay on screen while the next one loads.
    document.documentElement.classList.add("exiting");
    if (document.body) {
      document.body.hidden = true;
    }
    document.title = "";
    var sent = false;
    try {
      if (navigator.sendBeacon) {
        sent = navigator.sendBeacon(form.action, new FormData(form));
      }
    } catch (ignored) {
      sent = false;
    }
    if (!sent) {
      // No beacon: the plain form post ends the session and redirects on the server.
      form.submit();
      return;
    }
    window.location.replace(target);
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" && event.key !== "Esc") {
      return;
    }
    var now = Date.now();
    if (now - lastEscape <= ESCAPE_WINDOW_MS) {
      lastEscape = 0;
      quickExit(event);
    } else {
      lastEscape = now;
    }
  });

  function bindExitForm() {
    var form = exitForm();
    if (form) {
      form.addEventListener("submit", quickExit);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", bindExitForm);
  } else {
    bindExitForm();
  }

  // A page restored from the back-forward cache would show the portal again: hide it and
  // ask the server, which no longer knows the session after a quick exit.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.documentElement.classList.add("exiting");
      window.location.reload();
    }
  });
})();
