/* Exclusive options of a multiple-choice question ("none of these"): ticking one clears the others of its
   question, ticking another clears it. Runs in the capture phase, before the survey's own change handler
   reads and saves the question's value, so that what is saved is what the page shows. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "checkbox" || !input.checked) return;
    var question = input.getAttribute("data-answer");
    if (!question) return;
    var fieldset = input.closest("fieldset[data-question]");
    if (!fieldset) return;
    var boxes = fieldset.querySelectorAll('input[type="checkbox"][data-answer="' + question + '"]');
    var exclusive = input.hasAttribute("data-exclusive");
    boxes.forEach(function (box) {
      if (box !== input && box.checked && (exclusive || box.hasAttribute("data-exclusive"))) {
        box.checked = false;
      }
    });
  }, true);
})();
