/* The officers' processing page: htmx re-renders the panel after each action.
 * htmx does not swap 4xx answers by default; ours carry the panel with the error explained in it
 * (a refused permission, a concurrent change, a missing reason), so they are swapped like a 200.
 * After a swap the keyboard focus moves to the message, so screen-reader users hear the outcome. */
(function () {
  "use strict";
  var SWAPPED_ERRORS = [403, 404, 409, 413, 415, 422];

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (SWAPPED_ERRORS.indexOf(status) !== -1 && event.detail.xhr.getResponseHeader("X-Dossier-Panel")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSwap", function () {
    var panel = document.getElementById("dossier-work");
    var message = panel ? panel.querySelector("[data-focus]") : null;
    if (message) {
      message.focus();
    }
  });

  /* A network failure or a server error leaves the panel as it was: say so above it. */
  function showNetworkError() {
    var box = document.getElementById("dossier-network-error");
    if (box) {
      box.hidden = false;
      box.focus();
    }
  }
  document.addEventListener("htmx:responseError", showNetworkError);
  document.addEventListener("htmx:sendError", showNetworkError);
})();
