// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-nav-toggle]");
    if (toggle) {
      var menu = document.getElementById(toggle.getAttribute("aria-controls"));
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      if (menu) { menu.classList.toggle("is-open", open); }
      return;
    }
    if (event.target.closest("[data-print]")) { window.print(); }
    if (event.target.closest("[data-back]") && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
  // Fields marked data-show-when="kind=a,b" show only while the form's `kind` is a or b.
  function syncConditional(form) {
    form.querySelectorAll("[data-show-when]").forEach(function (el) {
      var rule = el.getAttribute("data-show-when").split("=");
      var control = form.querySelector("[name='" + rule[0] + "']:checked") ||
        form.querySelector("select[name='" + rule[0] + "']");
      var value = control ? control.value : "";
      var field = el.closest(".field") || el;
      field.hidden = rule[1].split(",").indexOf(value) === -1;
    });
  }
  function syncAll() {
    document.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("[data-show-when]")) { syncConditional(form); }
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.form && event.target.form.querySelector("[data-show-when]")) {
      syncConditional(event.target.form);
    }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", syncAll);
  } else {
    syncAll();
  }
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) {
      event.target.select();
    }
  });
})();
