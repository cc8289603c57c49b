// Formulas in question text: the server sends each as its LaTeX in span.math-inline or
// span.math-display; KaTeX turns them into MathML, which the browser draws itself. MathML
// output needs no inline styles or fonts, so it works under our CSP (style-src 'self').
(function () {
  "use strict";
  function typeset(root) {
    if (!window.katex || !root.querySelectorAll) return;
    root.querySelectorAll("span.math-inline, span.math-display").forEach(function (span) {
      if (span.getAttribute("data-typeset")) return;
      window.katex.render(span.textContent, span, {
        displayMode: span.classList.contains("math-display"),
        output: "mathml",
        throwOnError: false,
      });
      span.setAttribute("data-typeset", "1");
    });
  }
  document.addEventListener("DOMContentLoaded", function () { typeset(document); });
  // Content that HTMX swaps in later (review panels, previews) is typeset as it arrives.
  document.addEventListener("htmx:load", function (event) { typeset(event.target); });
})();
