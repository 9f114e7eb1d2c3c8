// The /embed page: starts the widget inline (filling the frame). Served as a file: the page runs no inline script.
// ?lang=en switches the language; #token=… hands the widget the server's API token (a fragment is never sent to
// any server, and it is removed from the address bar at once).
(function () {
  "use strict";
  var me = document.currentScript;
  var lang = new URLSearchParams(location.search).get("lang");
  if (lang) document.documentElement.lang = lang;
  var token = new URLSearchParams(location.hash.slice(1)).get("token");
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  var s = document.createElement("script");
  s.src = me.getAttribute("data-widget");
  s.setAttribute("data-mode", "inline");
  if (token) s.setAttribute("data-token", token);
  document.body.appendChild(s);
})();
