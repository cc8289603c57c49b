// The study timer of Today's study blocks. It keeps the moment it was started (and the time
// already counted before a pause) in localStorage, and shows now minus that moment: a reload
// or a sleeping laptop loses nothing, and the count never drifts the way adding up ticks
// would. While it runs it fills the block's "Minutes spent" box, until the learner types there.
(function () {
  "use strict";
  var PREFIX = "studyhall.timer.";

  function load(id) {
    try {
      var saved = JSON.parse(window.localStorage.getItem(PREFIX + id) || "null");
      if (saved && typeof saved.elapsed === "number") return saved;
    } catch (e) { /* a damaged entry starts again at zero */ }
    return { elapsed: 0, since: null };
  }

  function store(id, state) {
    try { window.localStorage.setItem(PREFIX + id, JSON.stringify(state)); } catch (e) { /* private mode: counts until the page closes */ }
  }

  function total(state) {
    return state.elapsed + (state.since === null ? 0 : Math.max(0, Date.now() - state.since));
  }

  function clock(ms) {
    var seconds = Math.floor(ms / 1000);
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    return (h ? h + ":" + two(m) : two(m)) + ":" + two(s);
  }

  function setup(box) {
    var id = box.getAttribute("data-timer");
    var shown = box.querySelector("[data-timer-shown]");
    var start = box.querySelector("[data-timer-start]");
    var pause = box.querySelector("[data-timer-pause]");
    var minutes = document.getElementById(box.getAttribute("data-minutes-field"));
    var state = load(id);
    if (minutes) minutes.addEventListener("input", function () { minutes.setAttribute("data-typed", "1"); });

    function draw() {
      var ms = total(state);
      shown.textContent = clock(ms);
      var running = state.since !== null;
      start.hidden = running;
      pause.hidden = !running;
      start.textContent = ms > 0 ? "Resume the timer" : "Start the timer";
      box.classList.toggle("running", running);
      if (minutes && ms > 0 && !minutes.hasAttribute("data-typed")) {
        minutes.value = String(Math.max(1, Math.round(ms / 60000)));
      }
    }

    start.addEventListener("click", function () {
      state.since = Date.now();
      store(id, state);
      draw();
      pause.focus();
    });
    pause.addEventListener("click", function () {
      state.elapsed = total(state);
      state.since = null;
      store(id, state);
      draw();
      start.focus();
    });
    // Saving the block ends its timer: the minutes went with the form.
    var form = minutes && minutes.form;
    if (form) form.addEventListener("submit", function () {
      try { window.localStorage.removeItem(PREFIX + id); } catch (e) { /* nothing kept */ }
    });
    box.hidden = false;
    draw();
    window.setInterval(draw, 500);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var boxes = document.querySelectorAll("[data-timer]");
    for (var i = 0; i < boxes.length; i++) setup(boxes[i]);
  });
})();
