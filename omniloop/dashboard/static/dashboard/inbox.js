// Canned replies: picking one fills the reply box, which the agent may still edit.
(function () {
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("[data-canned]") || !select.value) { return; }
    var box = document.getElementById(select.getAttribute("data-target"));
    if (box) { box.value = select.value; box.focus(); }
  });
})();
