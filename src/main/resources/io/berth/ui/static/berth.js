// Berth's only script of its own (no inline script anywhere: the Content-Security-Policy forbids it).
// Progressive enhancement: every page works without it.
"use strict";
document.addEventListener("click", function (event) {
  // Copy buttons: <button data-copy="text">: copies the text, says so for a moment.
  var button = event.target.closest("button[data-copy]");
  if (!button || !navigator.clipboard) {
    return;
  }
  navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
    var label = button.textContent;
    button.textContent = "Copied";
    setTimeout(function () { button.textContent = label; }, 1500);
  });
});
document.addEventListener("submit", function (event) {
  // Forms that destroy something ask first: <form data-confirm="Delete tag v1? …">.
  var form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
