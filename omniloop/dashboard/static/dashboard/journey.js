// The journey editor: each row shows only the fields of its step's kind (a wait its hours, a
// condition its test, a message its coupon and text, an end nothing). Fields of other kinds are
// hidden and disabled, so what was typed there before the kind changed is not submitted.
(function () {
  "use strict";
  function apply(row) {
    var select = row.querySelector("select[name^='kind-']");
    if (!select) return;
    row.querySelectorAll("[data-kind]").forEach(function (field) {
      var shown = field.getAttribute("data-kind") === select.value;
      field.hidden = !shown;
      field.querySelectorAll("input, select, textarea").forEach(function (input) {
        input.disabled = !shown;
      });
    });
  }
  function init() {
    document.querySelectorAll(".journey-step").forEach(function (row) {
      if (row.querySelector("select[name^='kind-']:disabled")) return; // read-only
      apply(row);
      row.addEventListener("change", function (event) {
        if (event.target.name && event.target.name.indexOf("kind-") === 0) apply(row);
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
