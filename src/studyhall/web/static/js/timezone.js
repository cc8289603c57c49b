// Every page: tell the server the browser's time zone (a cookie), so pages show times in it,
// labelled. On the first page, or after the zone changed (travel), the server could not know
// it yet: the times on this page are rewritten here, in the same form the server uses.
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return; // no Intl: the server's UTC, labelled "UTC", stays
  }
  // IANA names (Asia/Kolkata, America/Argentina/Buenos_Aires) are safe in a cookie as they are.
  if (!zone || !/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone)) return;
  var known = document.cookie.split("; ").some(function (c) {
    return c === "studyhall_tz=" + zone;
  });
  if (known) return;
  document.cookie = "studyhall_tz=" + zone + "; path=/; max-age=31536000; samesite=lax";

  function parts(date, options) {
    var out = {};
    new Intl.DateTimeFormat("en-GB", options).formatToParts(date).forEach(function (p) {
      out[p.type] = p.value;
    });
    return out;
  }
  function rewrite() {
    document.querySelectorAll("time[data-local]").forEach(function (el) {
      var date = new Date(el.getAttribute("datetime"));
      if (isNaN(date.getTime())) return;
      if (el.getAttribute("data-local") === "date") {
        var d = parts(date, { timeZone: zone, day: "numeric", month: "short", year: "numeric" });
        el.textContent = d.day + " " + d.month + " " + d.year;
        return;
      }
      var p = parts(date, {
        timeZone: zone, day: "2-digit", month: "short", year: "numeric",
        hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short",
      });
      el.textContent = p.day + " " + p.month + " " + p.year + " " + p.hour + ":" + p.minute + " " + p.timeZoneName;
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", rewrite);
  else rewrite();
})();
