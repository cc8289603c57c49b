// Formulas in question text: the server sends each as its LaTeX in span.math-inline or
// span.math-display; KaTeX turns them into MathML, which the browser draws itself. MathML
// output needs no inline styles or fonts, so it works under our CSP (style-src 'self').
// KaTeX is loaded only on pages that show a formula (data-katex on this script), so other
// pages stay within their JavaScript budget.
(function () {
  "use strict";
  var script = document.currentScript;
  var source = script && script.getAttribute("data-katex");
  var loading = null;
  function withKatex(then) {
    if (window.katex) { then(); return; }
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var tag = document.createElement("script");
        tag.src = source;
        tag.onload = resolve;
        tag.onerror = reject;
        document.head.appendChild(tag);
      });
    }
    loading.then(then);
  }
  function typeset(root) {
    if (!root.querySelectorAll || !source) return;
    var spans = root.querySelectorAll("span.math-inline:not([data-typeset]), span.math-display:not([data-typeset])");
    if (!spans.length) return;
    withKatex(function () {
      spans.forEach(function (span) {
        if (span.getAttribute("data-typeset")) return;
        window.katex.render(span.textContent, span, {
          displayMode: span.classList.contains("math-display"),
          output: "mathml",
          throwOnError: false,
        });
        span.setAttribute("data-typeset", "1");
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { typeset(document); });
  // Content that HTMX swaps in later (review panels, previews) is typeset as it arrives.
  document.addEventListener("htmx:load", function (event) { typeset(event.target); });
})();
