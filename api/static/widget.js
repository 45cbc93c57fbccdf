// CMP chat widget. Embed with:
//   <script src="https://cmp.example/widget.js" data-agent="agt_..." data-key="cmp_pk_..." async></script>
// It loads its look from CMP (/api/v1/widget/config) and chats with the agent
// directly on Site-Kit, which checks the publishable key and the page's origin.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || script.getAttribute("data-cmp-started")) { return; }
  script.setAttribute("data-cmp-started", "1");
  var agent = script.getAttribute("data-agent");
  var key = script.getAttribute("data-key");
  var base = new URL(script.src, document.baseURI).origin;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text) { e.textContent = text; }
    return e;
  }

  function start(cfg) {
    var b = cfg.branding || {};
    var primary = b.primary_color || "#4f46e5";
    var accent = b.accent_color || "#f59e0b";
    var dark = cfg.appearance && cfg.appearance.theme === "dark";
    var side = b.position === "bottom-left" ? "left" : "right";
    var root = el("div", { id: "cmp-widget", "data-state": "ready" });
    root.style.cssText = "position:fixed;bottom:20px;" + side + ":20px;z-index:2147483000;font-family:system-ui,sans-serif;";

    var button = el("button", { id: "cmp-widget-button", type: "button" }, (cfg.appearance && cfg.appearance.button_label) || "Chat with us");
    button.style.cssText = "background:" + primary + ";color:#fff;border:0;border-radius:999px;padding:12px 18px;font-size:15px;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.2);";

    var panel = el("div", { id: "cmp-widget-panel", role: "dialog" });
    panel.style.cssText = "display:none;width:320px;max-height:460px;margin-bottom:10px;border-radius:12px;overflow:hidden;box-shadow:0 8px 30px rgba(0,0,0,.25);background:" +
      (dark ? "#18181b;color:#fafafa" : "#fff;color:#18181b") + ";flex-direction:column;";

    var header = el("div", { id: "cmp-widget-header" });
    header.style.cssText = "background:" + primary + ";color:#fff;padding:10px 14px;font-weight:600;display:flex;align-items:center;gap:8px;";
    if (b.logo_url) {
      var logo = el("img", { src: b.logo_url, alt: "", width: "24", height: "24" });
      logo.style.borderRadius = "4px";
      header.appendChild(logo);
    }
    header.appendChild(el("span", { id: "cmp-widget-name" }, cfg.persona_name || "Assistant"));

    var messages = el("div", { id: "cmp-widget-messages", "aria-live": "polite" });
    messages.style.cssText = "padding:12px;overflow-y:auto;flex:1;min-height:160px;max-height:320px;font-size:14px;";
    function add(who, text) {
      var m = el("div", { "class": "cmp-msg cmp-msg-" + who }, text);
      m.style.cssText = "margin:6px 0;padding:8px 10px;border-radius:10px;max-width:85%;white-space:pre-wrap;" +
        (who === "user" ? "margin-left:auto;background:" + accent + ";color:#18181b;" : "background:" + (dark ? "#27272a" : "#f4f4f5") + ";");
      messages.appendChild(m);
      messages.scrollTop = messages.scrollHeight;
      return m;
    }
    var welcome = add("agent", b.welcome_message || cfg.greeting || "Hi! How can I help?");
    welcome.id = "cmp-widget-welcome";

    var form = el("form", { id: "cmp-widget-form" });
    form.style.cssText = "display:flex;border-top:1px solid rgba(127,127,127,.3);";
    var input = el("input", { id: "cmp-widget-input", type: "text", placeholder: "Ask a question…", autocomplete: "off", maxlength: "4000" });
    input.style.cssText = "flex:1;border:0;padding:12px;font-size:14px;background:transparent;color:inherit;outline:none;";
    var send = el("button", { id: "cmp-widget-send", type: "submit" }, "Send");
    send.style.cssText = "border:0;background:" + primary + ";color:#fff;padding:0 16px;cursor:pointer;";
    form.appendChild(input);
    form.appendChild(send);

    panel.appendChild(header);
    panel.appendChild(messages);
    panel.appendChild(form);
    root.appendChild(panel);
    root.appendChild(button);
    document.body.appendChild(root);

    function toggle(open) { panel.style.display = open ? "flex" : "none"; if (open) { input.focus(); } }
    button.addEventListener("click", function () { toggle(panel.style.display === "none"); });
    if (cfg.appearance && cfg.appearance.open_on_load) { toggle(true); }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var text = input.value.trim();
      if (!text) { return; }
      input.value = "";
      add("user", text);
      var pending = add("agent", "…");
      pending.className += " cmp-msg-pending";
      fetch(cfg.chat_url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Widget-Key": key },
        body: JSON.stringify({ message: text })
      }).then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; });
      }).then(function (res) {
        pending.className = "cmp-msg cmp-msg-agent" + (res.ok ? " cmp-msg-reply" : " cmp-msg-error");
        pending.textContent = res.ok ? res.body.reply : ((res.body.error && res.body.error.message) || "Something went wrong.");
      }).catch(function () {
        pending.className = "cmp-msg cmp-msg-agent cmp-msg-error";
        pending.textContent = "The agent could not be reached. Please try again.";
      });
    });
  }

  function boot() {
    var url = base + "/api/v1/widget/config?agent=" + encodeURIComponent(agent) + "&key=" + encodeURIComponent(key);
    fetch(url).then(function (r) {
      if (!r.ok) { throw new Error("widget config " + r.status); }
      return r.json();
    }).then(start).catch(function (err) {
      if (window.console) { console.warn("CMP widget:", err.message); }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", boot); } else { boot(); }
})();
