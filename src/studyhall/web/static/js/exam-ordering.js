// Ordering questions on the exam screen: the ↑ ↓ buttons beside each item move it, the first
// item's ↑ and the last item's ↓ are disabled, focus stays with the moved item, and a screen
// reader hears where it went. A move is announced to exam.js as a change of the list, as an
// input's change would be, so saving works the same for every type.
(function () {
  "use strict";

  // Which buttons can act (none on a question that is locked after its feedback).
  function refresh(list) {
    if (list.closest("[data-locked]")) return;
    Array.prototype.forEach.call(list.children, function (li, i) {
      li.querySelector('[data-move="up"]').disabled = i === 0;
      li.querySelector('[data-move="down"]').disabled = i === list.children.length - 1;
    });
  }

  function move(button) {
    var li = button.closest("li");
    var list = li.parentNode;
    if (button.dataset.move === "up" && li.previousElementSibling) list.insertBefore(li, li.previousElementSibling);
    if (button.dataset.move === "down" && li.nextElementSibling) list.insertBefore(li.nextElementSibling, li);
    list.dataset.touched = "true";
    refresh(list);
    // The same item keeps the focus: this button, or its other one at the top or the bottom.
    (button.disabled ? li.querySelector("[data-move]:not(:disabled)") : button).focus();
    var place = Array.prototype.indexOf.call(list.children, li) + 1;
    var status = list.parentNode.querySelector("[data-order-status]");
    if (status) {
      status.textContent = li.querySelector(".text").textContent.trim() + ": now " + place + " of " + list.children.length;
    }
    list.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.querySelectorAll(".order-list").forEach(function (list) {
    refresh(list);
    list.addEventListener("click", function (event) {
      var button = event.target.closest("[data-move]");
      if (button && !button.disabled) move(button);
    });
  });

  window.studyhallOrdering = { refresh: refresh };
})();
