// /invite#<token>: the token is in the fragment, which browsers never send; open the
// invitation page with it.
(function () {
  "use strict";
  var token = window.location.hash.slice(1);
  if (token) window.location.replace("/invitations/accept?token=" + encodeURIComponent(token));
  else document.getElementById("invite-missing").hidden = false;
})();
