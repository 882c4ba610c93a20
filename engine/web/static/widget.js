// botctl chat widget. Add it to any page:
//
//   <script src="https://bots.example.com/widget.js" data-bot="acme-support" async></script>
//
// It adds a launcher button in the bottom-right corner that opens the chat
// page of the bot (/chat/{bot} on the server the script comes from) in a
// panel. Optional attributes: data-label (the launcher's label, "Chat with
// us"), data-color (the accent colour, #rrggbb), data-position ("left" for
// the bottom-left corner).
//
// It uses no framework and touches nothing of the host page but the
// elements it adds, inside a shadow root. Styles are set through the DOM,
// so the host's Content-Security-Policy needs no 'unsafe-inline'.
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.src) return;
  var bot = script.getAttribute("data-bot") || "";
  if (!/^[a-z0-9_-]{1,100}$/.test(bot)) {
    if (window.console) console.error("botctl widget: data-bot must name a bot (lowercase letters, digits, - and _), not " + JSON.stringify(bot));
    return;
  }
  var src = new URL(script.src, location.href);
  var root = src.origin + src.pathname.replace(/\/widget\.js$/, "");
  var label = script.getAttribute("data-label") || "Chat with us";
  var color = script.getAttribute("data-color") || "";
  if (!/^#[0-9a-fA-F]{3,8}$/.test(color)) color = "";
  var left = script.getAttribute("data-position") === "left";
  var gradient = color || "linear-gradient(135deg, #4f46e5, #7c3aed)";

  var key = "__botctlWidget:" + root + ":" + bot;
  if (window[key]) return; // the script is on the page twice
  window[key] = true;

  function css(el, props) {
    for (var k in props) el.style.setProperty(k, props[k]);
    return el;
  }

  function icon(d, size) {
    var ns = "http://www.w3.org/2000/svg";
    var s = document.createElementNS(ns, "svg");
    s.setAttribute("viewBox", "0 0 24 24");
    s.setAttribute("width", size);
    s.setAttribute("height", size);
    s.setAttribute("fill", "none");
    s.setAttribute("stroke", "currentColor");
    s.setAttribute("stroke-width", "2");
    s.setAttribute("stroke-linecap", "round");
    s.setAttribute("stroke-linejoin", "round");
    s.setAttribute("aria-hidden", "true");
    var p = document.createElementNS(ns, "path");
    p.setAttribute("d", d);
    s.appendChild(p);
    return s;
  }
  var chatIcon = "M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z";
  var downIcon = "M6 9l6 6 6-6";

  var host = document.createElement("div");
  host.setAttribute("data-botctl-widget", bot);
  var shadow = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  css(host, { position: "fixed", "z-index": "2147483000", bottom: "0", right: left ? "auto" : "0", left: left ? "0" : "auto", width: "0", height: "0" });

  var button = document.createElement("button");
  button.type = "button";
  button.setAttribute("aria-label", label);
  button.setAttribute("aria-expanded", "false");
  button.title = label;
  css(button, {
    position: "fixed", bottom: "20px", width: "60px", height: "60px", "border-radius": "50%",
    border: "0", padding: "0", margin: "0", cursor: "pointer", color: "#fff", background: gradient,
    "box-shadow": "0 10px 30px -6px rgba(31, 35, 70, 0.45), 0 2px 6px rgba(31, 35, 70, 0.2)",
    display: "grid", "place-items": "center", transition: "transform 0.15s ease",
  });
  css(button, left ? { left: "20px" } : { right: "20px" });
  var openGlyph = icon(chatIcon, 28), closeGlyph = icon(downIcon, 28);
  css(closeGlyph, { display: "none" });
  button.appendChild(openGlyph);
  button.appendChild(closeGlyph);
  button.addEventListener("mouseenter", function () { css(button, { transform: "scale(1.06)" }); });
  button.addEventListener("mouseleave", function () { css(button, { transform: "none" }); });

  var panel = document.createElement("div");
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", label);
  css(panel, {
    position: "fixed", display: "none", overflow: "hidden", background: "#fff",
    "box-shadow": "0 24px 64px -12px rgba(31, 35, 70, 0.35), 0 2px 8px rgba(31, 35, 70, 0.12)",
    "transform-origin": left ? "bottom left" : "bottom right",
  });

  var frame = null;
  var open = false;

  function phone() { return window.matchMedia("(max-width: 480px)").matches; }

  function layout() {
    if (phone()) {
      css(panel, { top: "0", left: "0", right: "0", bottom: "0", width: "100%", height: "100%", "border-radius": "0" });
      css(button, { display: open ? "none" : "grid" });
    } else {
      css(panel, {
        top: "auto", bottom: "92px", width: "380px", height: "min(640px, calc(100vh - 120px))", "border-radius": "18px",
        left: left ? "20px" : "auto", right: left ? "auto" : "20px",
      });
      css(button, { display: "grid" });
    }
  }

  function toggle(show) {
    open = show === undefined ? !open : show;
    if (open && !frame) {
      frame = document.createElement("iframe");
      var url = root + "/chat/" + encodeURIComponent(bot) + "?embed=1";
      if (color) url += "&color=" + encodeURIComponent(color);
      frame.src = url;
      frame.title = label;
      frame.setAttribute("allow", "clipboard-write");
      css(frame, { border: "0", width: "100%", height: "100%", display: "block", "color-scheme": "light" });
      panel.appendChild(frame);
    }
    css(panel, { display: open ? "block" : "none" });
    css(openGlyph, { display: open ? "none" : "block" });
    css(closeGlyph, { display: open ? "block" : "none" });
    button.setAttribute("aria-expanded", String(open));
    layout();
    if (open && frame) frame.focus();
  }

  button.addEventListener("click", function () { toggle(); });
  window.addEventListener("resize", layout);
  window.addEventListener("message", function (e) {
    if (frame && e.source === frame.contentWindow && e.data && e.data.type === "botctl:close") {
      toggle(false);
      button.focus();
    }
  });
  document.addEventListener("keydown", function (e) {
    if (open && e.key === "Escape") toggle(false);
  });

  shadow.appendChild(panel);
  shadow.appendChild(button);
  layout();

  function mount() { document.body.appendChild(host); }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
