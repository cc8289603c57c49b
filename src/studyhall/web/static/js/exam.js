// The exam screen: one question at a time, a navigator, keyboard shortcuts, autosave through
// the attempts API with retries while offline, a countdown from the server's deadline, a
// confirmation before submitting, and the submit at zero.
(function () {
  "use strict";
  var exam = document.getElementById("exam");
  if (!exam) return;
  // The controls only this script drives are hidden until it runs (see exam.html).
  exam.querySelectorAll("[data-needs-js]").forEach(function (el) { el.hidden = false; });

  var api = exam.dataset.api;
  var feedbackUrl = exam.dataset.feedbackUrl;
  var total = parseInt(exam.dataset.total, 10);
  var sequential = exam.dataset.navigation === "sequential";
  var instant = exam.dataset.feedback === "instant";
  var storeKey = "studyhall-pending-" + exam.dataset.attempt;
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var saveState = document.getElementById("save-state");
  var sections = Array.prototype.slice.call(exam.querySelectorAll("section.question"));
  var navButtons = Array.prototype.slice.call(exam.querySelectorAll("[data-goto]"));
  var flagButton = document.getElementById("flag");
  var head = exam.querySelector(".exam-head");
  var examCounts = document.getElementById("exam-counts");
  var current = 1;
  var shownAt = Date.now();
  var submitting = false;
  var submitted = false; // the form went: nothing more may be sent for this attempt
  var typingTimers = {}; // position -> timer of a text answer still being typed

  function section(n) { return sections[n - 1]; }

  // --- answers, read from the inputs -------------------------------------------------------
  function answerOf(s) {
    var type = s.dataset.type;
    var checked;
    if (type === "single_choice") {
      checked = s.querySelector("input:checked");
      return checked ? { choice: checked.value } : null;
    }
    if (type === "multiple_response") {
      var picks = Array.prototype.map.call(s.querySelectorAll("input:checked"), function (i) { return i.value; });
      return picks.length ? { choices: picks } : null;
    }
    if (type === "true_false") {
      checked = s.querySelector("input:checked");
      return checked ? { value: checked.value === "true" } : null;
    }
    if (type === "numeric") {
      var raw = s.querySelector(".answer-input").value.trim().replace(",", ".");
      if (raw === "") return null;
      var number = Number(raw);
      return isFinite(number) ? { value: number } : { invalid: "Type a number, such as 42 or 3.5." };
    }
    if (type === "short_text") {
      var text = s.querySelector(".answer-input").value.trim();
      return text ? { text: text } : null;
    }
    if (type === "ordering") {
      var list = s.querySelector(".order-list");
      if (!list.dataset.touched) return null;
      return { order: Array.prototype.map.call(list.children, function (li) { return li.dataset.id; }) };
    }
    if (type === "matching") {
      var pairs = {}, any = false;
      s.querySelectorAll("select[data-premise]").forEach(function (sel) {
        if (sel.value) { pairs[sel.dataset.premise] = sel.value; any = true; }
      });
      return any ? { pairs: pairs } : null;
    }
    return null;
  }

  // A matching answer's whole text under its select: a phone's closed select cuts it short.
  function showChosen(sel) {
    var line = sel.parentNode.querySelector('[data-chosen-for="' + sel.dataset.premise + '"]');
    if (!line) return;
    var option = sel.selectedIndex > 0 ? sel.options[sel.selectedIndex] : null;
    line.textContent = option ? option.textContent : "";
    line.hidden = !option;
  }

  // --- saving, with retries ----------------------------------------------------------------
  var pending = {};
  var inFlight = {};
  var retryDelay = 1000;
  var retryTimer = null;
  try { pending = JSON.parse(localStorage.getItem(storeKey) || "{}"); } catch (e) { pending = {}; }

  function persist() {
    try {
      if (Object.keys(pending).length) localStorage.setItem(storeKey, JSON.stringify(pending));
      else localStorage.removeItem(storeKey);
    } catch (e) { /* private mode: retries still run while the page is open */ }
  }

  function showSave(state, text) {
    saveState.dataset.state = state;
    saveState.textContent = text;
  }

  function timeSpent(n) {
    var s = section(n);
    var spent = parseInt(s.dataset.time || "0", 10);
    if (n === current) spent += Date.now() - shownAt;
    return Math.min(spent, 24 * 3600 * 1000);
  }

  function queue(n, change) {
    // A new object each time: a save in flight keeps its own copy, and is told apart by `seq`.
    var entry = Object.assign({}, pending[n] || {});
    Object.keys(change).forEach(function (k) { entry[k] = change[k]; });
    entry.time_spent_ms = timeSpent(n);
    entry.seq = (entry.seq || 0) + 1;
    pending[n] = entry;
    persist();
    flush();
  }

  function flush() {
    if (submitted) return;
    var keys = Object.keys(pending).filter(function (k) { return !inFlight[k]; });
    if (!keys.length) {
      if (!Object.keys(inFlight).length) showSave("saved", "All answers saved");
      return;
    }
    showSave("saving", "Saving…");
    keys.forEach(send);
  }

  function send(n) {
    var entry = pending[n];
    var body = { time_spent_ms: entry.time_spent_ms };
    if ("answer" in entry) body.answer = entry.answer;
    if ("flagged" in entry) body.flagged = entry.flagged;
    inFlight[n] = entry.seq;
    fetch(api + "/answers/" + n, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      delete inFlight[n];
      if (response.ok) {
        if (pending[n] && pending[n].seq === entry.seq) delete pending[n];
        persist();
        retryDelay = 1000;
        return response.json().then(function (saved) { saved.feedback && showFeedback(n, saved.feedback); flush(); });
      }
      return response.json().catch(function () { return {}; }).then(function (problem) {
        var type = (problem.type || "").split(":").pop();
        if (type === "deadline-passed" || type === "attempt-closed") {
          pending = {}; persist(); window.location.reload(); return;
        }
        if (response.status === 422 || type === "answer-locked" || type === "sequential-navigation") {
          if (pending[n] && pending[n].seq === entry.seq) delete pending[n];
          persist();
          setError(n, problem.detail || problem.title || "This answer could not be saved.");
          flush();
          return;
        }
        if (response.status === 401) failed("Not saved: you are signed out. Sign in again in another tab.");
        else if (type === "csrf-token-invalid") failed("Not saved: your session changed. Reload the page.");
        else failed(null);
      });
    }).catch(function () {
      delete inFlight[n];
      failed(null);
    });
  }

  function failed(message) {
    showSave("failed", message || (navigator.onLine === false ? "Offline: not saved yet, retrying" : "Not saved yet, retrying"));
    if (retryTimer) return;
    retryTimer = setTimeout(function () { retryTimer = null; flush(); }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 15000);
  }

  window.addEventListener("online", function () { retryDelay = 1000; flush(); });

  function setError(n, text) {
    var p = document.getElementById("q" + n + "-error");
    if (p) p.textContent = text || "";
  }

  // --- instant feedback --------------------------------------------------------------------
  function showFeedback(n, fb) {
    var s = section(n);
    var slot = s.querySelector("[data-feedback-slot]");
    if (!slot) return;
    var box = document.createElement("div");
    box.className = "feedback " + (fb.correct ? "right" : "wrong");
    var verdict = document.createElement("p");
    verdict.className = "verdict";
    verdict.innerHTML = "<strong>" + (fb.correct ? "Correct." : fb.score > 0 ? "Partly right." : "Not quite.") + "</strong>";
    var why = document.createElement("div");
    why.className = "explanation";
    why.innerHTML = fb.explanation_html; // sanitised by the server when the question was saved
    box.appendChild(verdict); box.appendChild(why);
    slot.innerHTML = ""; slot.appendChild(box);
    // The right answer in its type's shape (a number, the texts, an order, pairs marked row by
    // row) is drawn by the server's template, the same one a reload shows; until it comes (or
    // if it cannot), the verdict and the explanation above stand.
    fetch(feedbackUrl + n, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var had = slot.contains(document.activeElement);
        slot.innerHTML = html; // our template, escaped there
        if (had) focusVerdict(slot);
      })
      .catch(function () { /* offline: the short feedback stays */ });
    var key = fb.correct_answer || {};
    var right = [].concat(key.choice || [], key.choices || [], "value" in key ? [String(key.value)] : []);
    right.forEach(function (id) {
      var option = s.querySelector('.option[data-option="' + id + '"]');
      if (option) {
        option.classList.add("is-right");
        option.querySelector(".text").insertAdjacentHTML("beforeend", ' <span class="badge pass">right answer</span>');
      }
    });
    lock(s);
    if (Number(n) === current) focusVerdict(slot); // n is a key of `pending`: a string
  }

  // The pressed Check answer button is hidden now: the focus goes to the verdict (and the
  // window to the feedback), not to the page's start.
  function focusVerdict(slot) {
    var verdict = slot.querySelector(".verdict");
    if (!verdict) return;
    verdict.tabIndex = -1;
    verdict.focus();
  }

  function lock(s) {
    s.dataset.locked = "true";
    s.querySelectorAll("input, select, [data-move]").forEach(function (el) { el.disabled = true; });
    var check = s.querySelector("[data-check]");
    if (check) check.hidden = true;
  }

  // --- answering -----------------------------------------------------------------------------
  // `keepMessage`: leaving a field in instant-feedback mode must not clear its message, or the
  // Check answer button under it moves up between the press and the release, and the click
  // that left the field is lost. Checking clears it.
  function answered(n, keepMessage) {
    var s = section(n);
    var a = answerOf(s);
    if (a && a.invalid) { setError(n, a.invalid); return null; }
    if (!keepMessage) setError(n, "");
    s.dataset.answered = a ? "true" : "false";
    navButtons[n - 1].dataset.answered = s.dataset.answered;
    updateCounts();
    return { answer: a };
  }

  function changed(n) {
    clearTimeout(typingTimers[n]); // a change event (leaving the field) supersedes the typing timer
    delete typingTimers[n];
    var result = answered(n, instant);
    if (result && !instant) queue(n, result);
  }

  sections.forEach(function (s) {
    var n = parseInt(s.dataset.position, 10);
    if (s.dataset.locked) lock(s);
    s.addEventListener("change", function (event) {
      if (event.target.matches("select[data-premise]")) showChosen(event.target);
      changed(n);
    });
    s.querySelectorAll(".answer-input").forEach(function (input) {
      input.addEventListener("input", function () {
        if (instant) return;
        clearTimeout(typingTimers[n]);
        typingTimers[n] = setTimeout(function () { changed(n); }, 600);
      });
    });
    var check = s.querySelector("[data-check]");
    if (check) check.addEventListener("click", function () {
      var result = answered(n);
      if (!result) return;
      if (!result.answer) { setError(n, "Answer first, then check."); return; }
      queue(n, result);
    });
  });

  // --- moving between questions --------------------------------------------------------------
  function canGo(n) {
    if (n < 1 || n > total) return false;
    return !(sequential && n < current);
  }

  // Forward only: moving on closes the questions passed, so ask first when any is unanswered.
  var leave = document.getElementById("leave-dialog");
  var leaveTo = null;

  function closing(n) {
    var passed = [];
    for (var i = current; i < n; i++) passed.push(i);
    return passed;
  }

  function askBeforeLeaving(n) {
    var passed = closing(n);
    var open = passed.filter(function (i) { return section(i).dataset.answered !== "true"; }).length;
    if (!open) return false;
    document.getElementById("leave-summary").textContent = passed.length === 1 ?
      "Question " + current + " is unanswered. Once you move on you cannot come back to it." :
      "Questions " + current + " to " + (n - 1) + " close for good: you cannot come back to them. " +
      open + (open === 1 ? " of them is unanswered." : " of them are unanswered.");
    document.getElementById("leave-stay").textContent = "Stay on question " + current;
    document.getElementById("leave-go").textContent = "Go to question " + n;
    leaveTo = n;
    leave.showModal();
    document.getElementById("leave-stay").focus();
    return true;
  }

  if (leave) {
    document.getElementById("leave-stay").addEventListener("click", function () { leave.close(); });
    document.getElementById("leave-go").addEventListener("click", function () {
      var n = leaveTo;
      leave.close();
      show(n, true, true);
    });
  }

  function show(n, focusHeading, confirmed) {
    if (!canGo(n) && n !== current) return;
    if (sequential && n > current && !confirmed && askBeforeLeaving(n)) return;
    var old = section(current);
    old.dataset.time = String(timeSpent(current));
    old.hidden = true;
    current = n;
    shownAt = Date.now();
    var s = section(n);
    s.hidden = false;
    navButtons.forEach(function (b, i) {
      if (i + 1 === n) b.setAttribute("aria-current", "step"); else b.removeAttribute("aria-current");
      b.disabled = sequential && i + 1 < n;
    });
    if (flagButton) flagButton.setAttribute("aria-pressed", s.dataset.flagged === "true" ? "true" : "false");
    document.getElementById("prev").disabled = !canGo(n - 1);
    document.getElementById("next").disabled = n >= total;
    if (window.history.replaceState) window.history.replaceState(null, "", "#q" + n);
    if (focusHeading) {
      // Focus without the browser's own scroll, which may leave the heading under the sticky
      // header; scrolled past the question's top, bring it back to just below the header.
      document.getElementById("q" + n + "-title").focus({ preventScroll: true });
      if (s.getBoundingClientRect().top < head.getBoundingClientRect().bottom) s.scrollIntoView({ block: "start" });
    }
  }

  function toggleFlag() {
    if (!flagButton) return; // forward only: no coming back, so nothing to flag for
    var s = section(current);
    var flagged = s.dataset.flagged !== "true";
    s.dataset.flagged = flagged ? "true" : "false";
    navButtons[current - 1].dataset.flagged = s.dataset.flagged;
    s.querySelector("[data-flag-note]").hidden = !flagged;
    flagButton.setAttribute("aria-pressed", flagged ? "true" : "false");
    updateCounts();
    queue(current, { flagged: flagged });
  }

  function counts() {
    var unanswered = 0, flagged = 0;
    sections.forEach(function (s) {
      if (s.dataset.answered !== "true") unanswered += 1;
      if (s.dataset.flagged === "true") flagged += 1;
    });
    return { unanswered: unanswered, flagged: flagged };
  }

  function updateCounts() {
    var c = counts();
    document.getElementById("nav-counts").textContent =
      (total - c.unanswered) + " of " + total + " answered" + (flagButton ? ", " + c.flagged + " flagged" : "");
    examCounts.textContent = (total - c.unanswered) + " of " + total + " answered" +
      (flagButton ? " · " + c.flagged + " flagged" : "");
    navButtons.forEach(function (b, i) {
      var s = sections[i];
      b.setAttribute("aria-label", "Question " + (i + 1) + ", " +
        (s.dataset.answered === "true" ? "answered" : "unanswered") +
        (s.dataset.flagged === "true" ? ", flagged" : ""));
    });
  }

  navButtons.forEach(function (b) {
    b.addEventListener("click", function () { show(parseInt(b.dataset.goto, 10), true); });
  });
  document.getElementById("prev").addEventListener("click", function () { show(current - 1, true); });
  document.getElementById("next").addEventListener("click", function () { show(current + 1, true); });
  if (flagButton) flagButton.addEventListener("click", toggleFlag);

  // --- keyboard ------------------------------------------------------------------------------
  var dialog = document.getElementById("submit-dialog");
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || document.querySelector("dialog[open]")) return;
    var target = event.target;
    var s = section(current);
    var field = target.matches && target.matches("input, textarea, select");
    var typing = field && !target.matches("input[type=radio], input[type=checkbox]");
    // Enter in an answer (or on the heading after a shortcut) checks it, as a form would.
    if (event.key === "Enter" && instant && !event.isComposing && s.contains(target) &&
        target.matches("input, h2")) {
      var check = s.querySelector("[data-check]");
      if (check && !check.hidden) { event.preventDefault(); check.click(); }
      return;
    }
    if (field && event.key === "Escape") {
      event.preventDefault();
      document.getElementById("q" + current + "-title").focus(); // back to the shortcuts
      return;
    }
    if (typing) return;
    // On a radio button the arrows choose among its options, as everywhere else.
    if (target.matches && target.matches("input[type=radio]") && /^Arrow/.test(event.key)) return;
    if (/^[1-9]$/.test(event.key)) {
      var inputs = s.querySelectorAll("input[type=radio], input[type=checkbox]");
      var input = inputs[parseInt(event.key, 10) - 1];
      if (input && !input.disabled) {
        // Focus stays where it was (the heading), so ← → still move between questions.
        event.preventDefault();
        input.click();
      }
    } else if (event.key === "f" || event.key === "F") {
      event.preventDefault();
      toggleFlag();
    } else if (event.key === "ArrowRight") {
      event.preventDefault();
      show(current + 1, true);
    } else if (event.key === "ArrowLeft") {
      event.preventDefault();
      show(current - 1, true);
    }
  });

  // --- the countdown -------------------------------------------------------------------------
  // Time is the server's: the deadline is fixed, and the offset between this device's clock
  // and the server's is measured at load and again whenever the page becomes visible (a
  // laptop waking from sleep), so the count is right after a reload or a long sleep.
  var deadline = exam.dataset.deadline ? Date.parse(exam.dataset.deadline) : null;
  var offset = Date.parse(exam.dataset.serverNow) - Date.now();
  var timerValue = document.getElementById("timer-value");
  var announce = document.getElementById("timer-announce");
  var marks = [30 * 60, 15 * 60, 10 * 60, 5 * 60, 60, 30];
  var announced = {};

  function secondsLeft() { return Math.max(0, Math.ceil((deadline - (Date.now() + offset)) / 1000)); }

  function words(seconds) {
    if (seconds >= 120) return Math.round(seconds / 60) + " minutes left";
    if (seconds >= 60) return "1 minute left";
    return seconds + " seconds left";
  }

  function tick() {
    if (deadline === null) return;
    var left = secondsLeft();
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), sec = left % 60;
    timerValue.textContent = (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(sec).padStart(2, "0");
    document.getElementById("timer").classList.toggle("low", left <= 300);
    marks.forEach(function (mark) {
      if (left <= mark && left > mark - 5 && !announced[mark]) {
        announced[mark] = true;
        announce.textContent = words(left);
      }
    });
    marks.forEach(function (mark) { if (left <= mark - 5) announced[mark] = true; });
    if (left <= 0) autoSubmit();
  }

  // Back from another tab or from sleep, a screen reader is told the time left once: the
  // minutes may have gone by unseen.
  function resync(tell) {
    fetch(api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) {
        if (!state) return;
        if (state.status === "submitted") { window.location.reload(); return; }
        if (state.server_time) offset = Date.parse(state.server_time) - Date.now();
        tick();
        if (tell === true && deadline !== null && !submitting) announce.textContent = words(secondsLeft());
        flush();
      }).catch(function () { /* offline: the last offset still holds */ });
  }

  document.addEventListener("visibilitychange", function () { if (!document.hidden) resync(true); });
  window.addEventListener("focus", function () { resync(false); });

  // --- submitting ----------------------------------------------------------------------------
  var form = document.getElementById("submit-form");

  function summary() {
    var c = counts();
    var parts = [];
    parts.push(c.unanswered === 0 ? "Every question is answered." :
      c.unanswered + (c.unanswered === 1 ? " question is" : " questions are") + " unanswered.");
    if (c.flagged) parts.push(c.flagged + (c.flagged === 1 ? " question is" : " questions are") + " flagged for review.");
    parts.push(exam.dataset.isExam === "true" ? "You cannot change answers after submitting." :
      "You cannot change answers once you finish.");
    return parts.join(" ");
  }

  document.getElementById("submit-open").addEventListener("click", function () {
    document.getElementById("submit-summary").textContent = summary();
    dialog.showModal();
    document.getElementById("submit-cancel").focus();
  });
  document.getElementById("submit-cancel").addEventListener("click", function () { dialog.close(); });
  form.addEventListener("submit", function (event) {
    if (submitting) return;
    event.preventDefault();
    finish();
  });

  function finish() {
    submitting = true;
    document.getElementById("submit-confirm").disabled = true;
    // Text still being typed is an answer too: queue it now rather than after its pause.
    Object.keys(typingTimers).forEach(function (n) { changed(parseInt(n, 10)); });
    // Answers still waiting are sent first (for up to three seconds), then the exam goes in.
    var waited = 0;
    (function wait() {
      if ((!Object.keys(pending).length && !Object.keys(inFlight).length) || waited >= 3000) {
        submitted = true;
        form.submit();
        return;
      }
      flush();
      waited += 200;
      setTimeout(wait, 200);
    })();
  }

  function autoSubmit() {
    if (submitting) return;
    announce.textContent = "Time is up. Your exam is being submitted.";
    finish();
  }

  // --- the sticky header ----------------------------------------------------------------------
  // Its height (it wraps on a phone) is where a question's heading stops when scrolled to.
  function measureHead() { exam.style.setProperty("--exam-head", head.offsetHeight + "px"); }
  measureHead();
  if (window.ResizeObserver) new ResizeObserver(measureHead).observe(head);

  // --- start: where you were, and anything not yet saved -------------------------------------
  var fromHash = /^#q(\d+)$/.exec(window.location.hash);
  var start = fromHash ? parseInt(fromHash[1], 10) : 1;
  if (sequential) start = Math.max(start, parseInt(exam.dataset.furthest, 10) || 1);
  Object.keys(pending).forEach(function (n) { restore(parseInt(n, 10), pending[n]); });
  current = 1;
  show(Math.min(Math.max(start, 1), total), false, true); // where the learner already is
  updateCounts();
  if (deadline !== null) { tick(); setInterval(tick, 1000); }
  flush();

  function restore(n, entry) {
    var s = section(n);
    if (!s) return;
    if ("flagged" in entry) {
      s.dataset.flagged = entry.flagged ? "true" : "false";
      navButtons[n - 1].dataset.flagged = s.dataset.flagged;
      s.querySelector("[data-flag-note]").hidden = !entry.flagged;
    }
    if (!("answer" in entry)) return;
    var a = entry.answer || {};
    s.querySelectorAll("input[type=radio], input[type=checkbox]").forEach(function (input) {
      input.checked = a.choice === input.value || (a.choices || []).indexOf(input.value) >= 0 ||
        ("value" in a && String(a.value) === input.value);
    });
    var text = s.querySelector(".answer-input");
    if (text) text.value = a.text !== undefined ? a.text : (a.value !== undefined ? a.value : "");
    s.querySelectorAll("select[data-premise]").forEach(function (sel) {
      sel.value = (a.pairs || {})[sel.dataset.premise] || "";
      showChosen(sel);
    });
    if (a.order) {
      var list = s.querySelector(".order-list");
      a.order.forEach(function (id) {
        var li = list.querySelector('[data-id="' + id + '"]');
        if (li) list.appendChild(li);
      });
      list.dataset.touched = "true";
      window.studyhallOrdering.refresh(list);
    }
    s.dataset.answered = entry.answer ? "true" : "false";
    navButtons[n - 1].dataset.answered = s.dataset.answered;
  }
})();
