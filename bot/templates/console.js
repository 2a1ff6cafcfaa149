// The console's only script: the queue's new-ticket count in the title, and a live SMS segment count.
(function () {
  "use strict";
  function ucs2(text) { var n = 0; for (var ch of text) { n += ch.codePointAt(0) > 0xffff ? 2 : 1; } return n; }
  function segments(text) { var n = ucs2(text); return n <= 70 ? 1 : Math.ceil(n / 67); }
  function counters() {
    document.querySelectorAll("textarea[data-sms]").forEach(function (area) {
      var out = document.getElementById(area.id + "-count");
      if (!out) { return; }
      var template = document.documentElement.lang === "en" ? "{chars} characters, {n} SMS" : "{chars} 字，{n} 条短信";
      var update = function () {
        out.textContent = template.replace("{chars}", ucs2(area.value)).replace("{n}", segments(area.value));
      };
      area.addEventListener("input", update);
      update();
    });
  }
  function poll() {
    var head = document.getElementById("queue-title");
    if (!head) { return; }
    var base = document.title, since = head.dataset.since, label = head.dataset.label;
    var banner = document.getElementById("new-tickets");
    window.minshengPoll = function () {
      return fetch("/console/new.json?since=" + encodeURIComponent(since), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : {"new": 0}; })
        .then(function (body) {
          if (body["new"] > 0) {
            document.title = "(" + body["new"] + ") " + base;
            banner.hidden = false;
            banner.firstElementChild.textContent = label.replace("{n}", body["new"]) + " · " + banner.firstElementChild.dataset.more;
          }
          return body["new"];
        }).catch(function () { return 0; });
    };
    banner.firstElementChild.dataset.more = banner.firstElementChild.textContent;
    banner.firstElementChild.href = window.location.href;
    setInterval(window.minshengPoll, Math.max(5, Number(head.dataset.poll) || 30) * 1000);
  }
  document.addEventListener("DOMContentLoaded", function () { counters(); poll(); });
})();
