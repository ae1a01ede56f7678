// After a code is sent, hold the "Send code" button for a cooldown so shoppers do not tap it
// again and hit the per-phone rate limit.
(function () {
  "use strict";
  var timer = null;

  function startCooldown(button, seconds) {
    var label = button.getAttribute("data-label") || button.textContent;
    var wait = button.getAttribute("data-wait") || "{n}";
    var left = seconds;
    clearInterval(timer);
    button.disabled = true;
    button.textContent = wait.replace("{n}", left);
    timer = setInterval(function () {
      left -= 1;
      if (left <= 0) {
        clearInterval(timer);
        button.disabled = false;
        button.textContent = label;
      } else {
        button.textContent = wait.replace("{n}", left);
      }
    }, 1000);
  }

  document.addEventListener("htmx:afterSettle", function () {
    var status = document.getElementById("otp-status");
    var button = document.querySelector("[data-testid=send-code]");
    if (!status || !button || !status.getAttribute("data-cooldown")) return;
    var seconds = parseInt(status.getAttribute("data-cooldown"), 10) || 60;
    status.removeAttribute("data-cooldown");
    // htmx re-enables the button after the swap; start the countdown once it has.
    setTimeout(function () { startCooldown(button, seconds); }, 0);
    var code = document.querySelector("[data-testid=code]");
    if (code) code.focus();
  });
})();
