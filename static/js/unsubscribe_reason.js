// Progressive enhancement for Unsubscribe step 1: "Unsubscribe" stays disabled until a reason is chosen
// (and, for "Other", written). Without this script the server refuses a missing reason with a message.
(function () {
  var form = document.getElementById("reason-form");
  if (!form) return;
  var button = document.getElementById("unsubscribe-button");
  var text = document.getElementById("other-text");
  function update() {
    var picked = form.querySelector("input[name=reason]:checked");
    var ok = !!picked && (!picked.hasAttribute("data-needs-text") || (text && text.value.trim() !== ""));
    button.disabled = !ok;
  }
  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
})();
