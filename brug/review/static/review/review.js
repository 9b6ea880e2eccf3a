// Review pages: reveal a blurred message when the reviewer asks for it.
// The form itself posts the exposure count (htmx, or a plain POST without JavaScript); this
// script only removes the blur at once so the page does not have to reload.
(function () {
  "use strict";

  function reveal(form) {
    var box = document.getElementById(form.getAttribute("data-reveal"));
    if (!box) {
      return;
    }
    box.classList.remove("blurred");
    box.removeAttribute("aria-hidden");
    var button = form.querySelector("button");
    if (button) {
      button.setAttribute("aria-expanded", "true");
    }
    // Hide the button after htmx has read the form; keep focus on the revealed text.
    window.setTimeout(function () {
      form.hidden = true;
      box.setAttribute("tabindex", "-1");
      box.focus();
    }, 0);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-reveal")) {
      return;
    }
    if (!window.htmx) {
      return; // no htmx: let the browser post the form; the page comes back revealed
    }
    reveal(form);
  });
})();
