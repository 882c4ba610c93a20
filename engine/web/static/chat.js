// botctl chat page: plain JavaScript, no framework, no build step.
//
// It starts a conversation with POST {base}/chat/{bot}/conversations (the
// server creates it and answers with its id, its token and the welcome
// messages), then talks to the conversation API with that token alone:
// complete for a message, events (multipart) for an upload, receive to
// restore the conversation after a reload and to follow it while an agent
// owns it. The id and the token are kept in sessionStorage.
//
// Every text from the bot or the user goes into the page as text
// (textContent, createTextNode), never as HTML.
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }
  var body = document.body;
  var bot = body.getAttribute("data-bot") || "";
  var query = new URLSearchParams(location.search);
  var embed = query.get("embed") === "1";
  var path = location.pathname;
  var base = path.slice(0, path.lastIndexOf("/chat/")); // the API's root: "" or a proxy's prefix
  var storeKey = "botctl.chat:" + base + ":" + bot;
  var maxUpload = 5 << 20; // the API's upload limit (5MB)
  var maxDelay = 15000;

  var chat = $("chat"), log = $("log"), input = $("input"), sendBtn = $("send"), form = $("composer");
  var attach = $("attach"), fileInput = $("file"), banner = $("banner");
  var initials = (document.querySelector(".avatar") || {}).textContent || "";

  var conv = null; // {id, token}
  var cursor = 0; // the seq of the last log entry seen
  var seen = {}; // seqs rendered
  var owner = "bot"; // bot, agent, closed
  var accept = null; // the accepted file types while the bot asks for a file
  var queue = Promise.resolve(); // turns run one after the other
  var generation = 0; // a restart makes the answers of the old conversation stale
  var polling = null; // the AbortController of the receive loop
  var typingRow = null, typingCount = 0;
  var broken = false; // the conversation cannot go on (expired, gone)

  if (embed) {
    body.classList.add("embed");
    $("close").hidden = false; // the widget's panel closes from here (on a phone it covers the launcher)
  }
  var color = query.get("color");
  if (color && /^#[0-9a-fA-F]{3,8}$/.test(color)) {
    document.documentElement.style.setProperty("--accent", color);
    document.documentElement.style.setProperty("--accent-2", color);
  }

  // ---- the API ------------------------------------------------------------

  function ApiError(status, code, message) {
    this.status = status;
    this.code = code;
    this.message = message;
  }

  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  function newKey() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return "web-" + Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
  }

  // call makes a request and returns its JSON answer or throws an ApiError.
  // With opts.key (an Idempotency-Key) a request that did not reach the
  // server, or met 503, is sent again: the server answers a repeated key
  // with the first answer.
  async function call(method, url, payload, opts) {
    opts = opts || {};
    var headers = {};
    var data;
    if (opts.auth !== false && conv) headers.Authorization = "Bearer " + conv.token;
    if (payload instanceof FormData) data = payload;
    else if (payload !== undefined) {
      headers["Content-Type"] = "application/json";
      data = JSON.stringify(payload);
    }
    if (opts.key) headers["Idempotency-Key"] = opts.key;
    for (var attempt = 0; ; attempt++) {
      var res;
      try {
        res = await fetch(base + url, {
          method: method, headers: headers, body: data, signal: opts.signal,
          credentials: "omit", cache: "no-store",
        });
      } catch (e) {
        if (e && e.name === "AbortError") throw e;
        if (opts.key && attempt < 2) { await sleep(700 * (attempt + 1)); continue; }
        throw new ApiError(0, "network", "The server cannot be reached. Check your connection and try again.");
      }
      var json = null;
      try { json = await res.json(); } catch (e) { /* not JSON */ }
      if (res.ok) return json || {};
      if (res.status === 503 && opts.key && attempt < 2) { await sleep(700 * (attempt + 1)); continue; }
      var err = (json && json.error) || {};
      throw new ApiError(res.status, err.code || "http_" + res.status, err.message || res.statusText || "The request failed.");
    }
  }

  function convURL(what) { return "/v1/conversations/" + encodeURIComponent(conv.id) + "/" + what; }

  function save() {
    try { sessionStorage.setItem(storeKey, JSON.stringify(conv)); } catch (e) { /* private mode */ }
  }
  function load() {
    try {
      var v = JSON.parse(sessionStorage.getItem(storeKey) || "null");
      if (v && typeof v.id === "string" && typeof v.token === "string") return v;
    } catch (e) { /* ignore */ }
    return null;
  }
  function forget() {
    try { sessionStorage.removeItem(storeKey); } catch (e) { /* ignore */ }
  }

  // ---- rendering ------------------------------------------------------------

  function make(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function svg(d) {
    var ns = "http://www.w3.org/2000/svg";
    var s = document.createElementNS(ns, "svg");
    s.setAttribute("viewBox", "0 0 24 24");
    s.setAttribute("aria-hidden", "true");
    var p = document.createElementNS(ns, "path");
    p.setAttribute("d", d);
    s.appendChild(p);
    return s;
  }
  var fileIcon = "M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8zM14 3v5h5";
  var uploadIcon = "M12 16V4m0 0L7 9m5-5l5 5M4 16v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2";

  function scroll(instant) {
    if (instant) {
      log.style.scrollBehavior = "auto";
      log.scrollTop = log.scrollHeight;
      log.style.scrollBehavior = "";
    } else {
      log.scrollTop = log.scrollHeight;
    }
  }

  // put adds a node to the log, above the typing indicator.
  function put(node) {
    if (typingRow && typingRow.parentNode === log) log.insertBefore(node, typingRow);
    else log.appendChild(node);
    scroll();
    return node;
  }

  // lastRow is the last message row of the log (not a note, the typing
  // indicator or quick replies).
  function lastRow() {
    for (var n = log.lastElementChild; n; n = n.previousElementSibling) {
      if (n === typingRow) continue;
      return n.classList.contains("row") ? n : null;
    }
    return null;
  }

  // row adds a message row on side "bot" or "user", grouped with the
  // row before when it is on the same side.
  function row(side, content, time) {
    var prev = lastRow();
    var r = make("div", "row " + side + " last");
    if (prev && prev.classList.contains(side) && !prev.classList.contains("failed")) prev.classList.remove("last");
    else r.classList.add("first");
    if (side === "bot") r.appendChild(make("div", "mini", initials));
    content.classList.add("bubble");
    r.appendChild(content);
    if (time) {
      var d = new Date(time);
      if (!isNaN(d)) r.title = d.toLocaleString([], { hour: "2-digit", minute: "2-digit", day: "numeric", month: "short" });
    }
    return put(r);
  }

  // linkify adds text to node as text nodes, and the http(s) URLs in it as
  // links.
  function linkify(node, text) {
    var re = /\bhttps?:\/\/[^\s<>"']+/g;
    var last = 0, m;
    while ((m = re.exec(text))) {
      var url = m[0].replace(/[.,;:!?)\]]+$/, "");
      var end = m.index + url.length;
      var href = null;
      try {
        var u = new URL(url);
        if (u.protocol === "http:" || u.protocol === "https:") href = u.href;
      } catch (e) { /* not a URL */ }
      if (!href) continue;
      node.appendChild(document.createTextNode(text.slice(last, m.index)));
      var a = make("a", "", url);
      a.href = href;
      a.target = "_blank";
      a.rel = "noopener noreferrer nofollow";
      node.appendChild(a);
      last = end;
      re.lastIndex = end;
    }
    node.appendChild(document.createTextNode(text.slice(last)));
  }

  function botText(text, time) {
    var b = make("div");
    linkify(b, text);
    return row("bot", b, time);
  }

  function userText(text, time) {
    var b = make("div");
    linkify(b, text);
    return row("user", b, time);
  }

  function size(n) {
    n = Number(n) || 0;
    if (n < 1024) return n + " B";
    if (n < 1048576) return (n / 1024).toFixed(n < 10240 ? 1 : 0) + " KB";
    return (n / 1048576).toFixed(1) + " MB";
  }

  function userFile(name, bytes, time) {
    var b = make("div", "file-bubble");
    b.appendChild(svg(fileIcon));
    var meta = make("div", "file-meta");
    meta.appendChild(make("span", "file-name", name || "file"));
    meta.appendChild(make("span", "file-size", size(bytes)));
    b.appendChild(meta);
    return row("user", b, time);
  }

  function note(text) { return put(make("div", "note", text)); }

  function showTyping() {
    typingCount++;
    if (!typingRow) {
      typingRow = make("div", "row bot typing first last");
      typingRow.setAttribute("aria-label", "The assistant is typing");
      typingRow.appendChild(make("div", "mini", initials));
      var b = make("div", "bubble");
      b.appendChild(make("i"));
      b.appendChild(make("i"));
      b.appendChild(make("i"));
      typingRow.appendChild(b);
    }
    if (typingRow.parentNode !== log) {
      log.appendChild(typingRow);
      scroll();
    }
  }

  function hideTyping() {
    typingCount = Math.max(0, typingCount - 1);
    if (typingCount === 0 && typingRow && typingRow.parentNode) typingRow.parentNode.removeChild(typingRow);
  }

  // Quick replies and the upload card: the prompts of the bot's last turn.
  function clearPrompts() {
    var old = log.querySelectorAll(".chips, .upload");
    for (var i = 0; i < old.length; i++) old[i].parentNode.removeChild(old[i]);
  }

  function showChips(labels) {
    var box = make("div", "chips");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Quick replies");
    labels.forEach(function (label) {
      var c = make("button", "chip", label);
      c.type = "button";
      c.addEventListener("click", function () {
        if (owner === "closed" || broken) return;
        sendText(label);
      });
      box.appendChild(c);
    });
    put(box);
  }

  function acceptList(list) {
    return (list || []).map(function (t) { return String(t).toLowerCase().replace(/^\./, ""); })
      .filter(function (t) { return /^[a-z0-9]{1,10}$/.test(t); });
  }

  function setAccept(list) {
    accept = list ? acceptList(list) : null;
    attach.hidden = !accept || owner === "closed";
    if (accept) {
      var exts = [];
      accept.forEach(function (t) {
        exts.push("." + t);
        if (t === "jpeg") exts.push(".jpg");
        if (t === "jpg") exts.push(".jpeg");
      });
      fileInput.accept = exts.join(",");
    } else {
      fileInput.removeAttribute("accept");
    }
  }

  function showUploadCard() {
    var card = make("div", "upload");
    card.appendChild(svg(uploadIcon));
    var t = make("div", "upload-text");
    t.appendChild(make("strong", "", "Upload a file"));
    var kinds = accept && accept.length ? accept.map(function (x) { return x.toUpperCase(); }).join(", ") + " · " : "";
    t.appendChild(document.createTextNode(kinds + "up to 5 MB"));
    card.appendChild(t);
    var pick = make("button", "pick", "Choose file");
    pick.type = "button";
    pick.addEventListener("click", function () { fileInput.click(); });
    card.appendChild(pick);
    put(card);
  }

  // ---- owner and banner -----------------------------------------------------

  function showBanner(kind, title, text, action, onAction) {
    banner.setAttribute("data-kind", kind);
    $("banner-title").textContent = title;
    $("banner-text").textContent = text || "";
    $("banner-text").hidden = !text;
    var btn = $("banner-action");
    btn.hidden = !action;
    btn.textContent = action || "";
    btn.onclick = onAction || null;
    var icons = {
      agent: "M16 19v-1a4 4 0 0 0-4-4H7a4 4 0 0 0-4 4v1M9.5 10a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7zM17 11l2 2 4-4",
      closed: "M5 12l4 4L19 6",
      error: "M12 8v5m0 3h.01M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z",
    };
    $("banner-path").setAttribute("d", icons[kind] || icons.error);
    banner.hidden = false;
  }

  function hideBanner() { banner.hidden = true; }

  function setOwner(o) {
    if (o !== "bot" && o !== "agent" && o !== "closed") o = "bot";
    owner = o;
    chat.setAttribute("data-owner", o);
    var status = { bot: "Virtual assistant", agent: "Connected to our support team", closed: "Conversation ended" };
    $("status-text").textContent = status[o];
    if (o === "agent") {
      showBanner("agent", "A person from our team has this conversation",
        "The assistant is paused. Your messages go to the agent.");
    } else if (o === "closed") {
      showBanner("closed", "This conversation has ended", "", "Start a new chat", function () { restart(); });
      clearPrompts();
      setAccept(null);
    } else if (!broken) {
      hideBanner();
    }
    updateComposer();
    scroll(); // the banner took room from the log: keep its end in view
    if (o === "agent") follow();
    else stopFollowing();
  }

  function updateComposer() {
    var off = owner === "closed" || broken || !conv;
    input.disabled = off;
    input.placeholder = off ? (owner === "closed" ? "This conversation has ended" : "Type a message…") :
      owner === "agent" ? "Message the agent…" : "Type a message…";
    sendBtn.disabled = off || input.value.trim() === "";
    attach.hidden = off || !accept;
  }

  // ---- playing the bot's messages ---------------------------------------------

  // play renders messages of the log. Live (animate) messages wait their
  // delay_ms behind the typing indicator. It returns the owner the
  // messages imply (transfer to an agent, agent_done, close), or "".
  async function play(msgs, animate, gen) {
    var chips = null, uploadAsked = false, implied = "";
    for (var i = 0; i < msgs.length; i++) {
      var m = msgs[i];
      if (gen !== generation) return "";
      if (typeof m.seq === "number") {
        if (seen[m.seq]) continue;
        seen[m.seq] = true;
        if (m.seq > cursor) cursor = m.seq;
      }
      if (animate && m.delay_ms > 0 && (m.kind === "bot" || m.kind === "action")) {
        showTyping();
        await sleep(Math.min(m.delay_ms, maxDelay));
        hideTyping();
        if (gen !== generation) return "";
      }
      switch (m.kind) {
        case "bot":
          botText(m.text || "", m.time);
          break;
        case "user":
          chips = null;
          uploadAsked = false;
          userText(m.text || "", m.time);
          break;
        case "event":
          chips = null;
          uploadAsked = false;
          if (m.text === "upload") {
            userFile((m.fields || {}).name, (m.fields || {}).size, m.time);
          } else if (m.text === "agent_done") {
            note("The agent has finished. You're back with the assistant.");
            implied = "bot";
          } else if (m.text === "agent_escalation_failed") {
            note("No agent could take the conversation.");
            implied = "bot";
          }
          break;
        case "action":
          switch (m.action) {
            case "buttons":
              chips = (m.buttons || []).map(String);
              break;
            case "upload":
              setAccept(m.accept || []);
              uploadAsked = true;
              break;
            case "transfer":
              var t = m.transfer || {};
              if (t.to === "agent") {
                note("Connecting you with a person from our team");
                implied = "agent";
              } else if (t.to === "bot" && t.bot) {
                note("Transferred to " + t.bot);
              }
              chips = null;
              break;
            case "close":
              note("Conversation ended");
              implied = "closed";
              chips = null;
              break;
          }
          break;
      }
    }
    if (gen !== generation) return "";
    if (chips && chips.length) {
      setAccept(accept && uploadAsked ? accept : null);
      showChips(chips);
    }
    if (uploadAsked) showUploadCard();
    scroll(!animate);
    return implied;
  }

  // ---- turns ----------------------------------------------------------------------

  function enqueue(job) {
    queue = queue.then(job, job);
    return queue;
  }

  function failed(r, err, retry) {
    r.classList.add("failed");
    var line = make("div", "fail", friendly(err) + " ");
    if (retry) {
      var b = make("button", "", "Retry");
      b.type = "button";
      b.addEventListener("click", function () {
        line.parentNode && line.parentNode.removeChild(line);
        r.classList.remove("failed");
        retry();
      });
      line.appendChild(b);
    }
    if (r.nextSibling) log.insertBefore(line, r.nextSibling);
    else put(line);
    scroll();
  }

  function friendly(err) {
    switch (err.code) {
      case "network": return "Not delivered: the server cannot be reached.";
      case "too_large": return "Not delivered: the file is larger than 5 MB.";
      case "too_many_requests": return "Not delivered: too many messages at once.";
      case "closed": return "Not delivered: this conversation has ended.";
      case "event_refused": return "Not delivered: the assistant is not asking for a file now.";
      case "agent_owns": return "Not delivered: an agent has this conversation.";
    }
    return "Not delivered: " + (err.message || "the request failed.");
  }

  // expired marks the conversation as one that cannot go on.
  function expired(err) {
    broken = true;
    forget();
    stopFollowing();
    showBanner("error", "This conversation is no longer available",
      err.status === 401 ? "Its access has expired." : "The server does not know it anymore.",
      "Start a new chat", function () { restart(); });
    updateComposer();
  }

  // turn runs one turn: request() returns the API's answer.
  async function turn(r, request, retry) {
    var gen = generation;
    stopFollowing();
    showTyping();
    try {
      var res = await request();
      hideTyping();
      if (gen !== generation) return;
      await play(res.messages || [], true, gen);
      if (gen !== generation) return;
      if (typeof res.cursor === "number" && res.cursor > cursor) cursor = res.cursor;
      setOwner(res.owner);
    } catch (err) {
      hideTyping();
      if (gen !== generation) return;
      if (err.status === 401 || err.status === 404) {
        failed(r, err, null);
        expired(err);
      } else if (err.code === "closed") {
        failed(r, err, null);
        setOwner("closed");
      } else if (err.code === "agent_owns") {
        failed(r, err, null);
        setOwner("agent");
      } else if (err.code === "event_refused") {
        failed(r, err, null);
        setAccept(null);
        updateComposer();
      } else {
        failed(r, err, err.code === "too_large" ? null : retry);
        if (owner === "agent") follow();
      }
    }
  }

  function sendText(text) {
    if (!conv || owner === "closed" || broken) return;
    if (text.trim() === "") return;
    clearPrompts();
    var r = userText(text);
    var key = newKey();
    function go() {
      return enqueue(function () {
        return turn(r, function () {
          return call("POST", convURL("complete"), { text: text }, { key: key });
        }, go);
      });
    }
    go();
  }

  function sendFile(file) {
    if (!conv || owner === "closed" || broken || !file) return;
    clearPrompts();
    var r = userFile(file.name, file.size);
    if (file.size > maxUpload) {
      failed(r, { code: "too_large" }, null);
      if (accept) showUploadCard();
      return;
    }
    var key = newKey();
    function go() {
      return enqueue(function () {
        return turn(r, function () {
          var fd = new FormData();
          fd.append("type", "upload");
          fd.append("file", file, file.name);
          return call("POST", convURL("events"), fd, { key: key });
        }, go);
      });
    }
    go();
  }

  // follow long-polls receive while an agent owns the conversation, so
  // that what the bot says when it gets the conversation back shows.
  function follow() {
    if (polling || !conv || broken) return;
    var ctrl = new AbortController();
    polling = ctrl;
    var gen = generation;
    (async function () {
      while (polling === ctrl && owner === "agent" && gen === generation) {
        try {
          var res = await call("POST", convURL("receive"), { after: cursor, wait: 25 }, { signal: ctrl.signal });
          if (polling !== ctrl || gen !== generation) return;
          var implied = await play(res.messages || [], true, gen);
          if (typeof res.cursor === "number" && res.cursor > cursor) cursor = res.cursor;
          if (implied && implied !== owner) {
            if (polling === ctrl) polling = null;
            setOwner(implied);
            return;
          }
        } catch (err) {
          if (ctrl.signal.aborted || gen !== generation) return;
          if (err.status === 401 || err.status === 404) { expired(err); return; }
          await sleep(3000);
        }
      }
      if (polling === ctrl) polling = null;
    })();
  }

  function stopFollowing() {
    if (polling) {
      polling.abort();
      polling = null;
    }
  }

  // ---- starting -----------------------------------------------------------------------

  function reset() {
    generation++;
    stopFollowing();
    queue = Promise.resolve();
    conv = null;
    cursor = 0;
    seen = {};
    broken = false;
    typingCount = 0;
    typingRow = null;
    log.textContent = "";
    setAccept(null);
    hideBanner();
    owner = "bot";
    chat.setAttribute("data-owner", "bot");
    updateComposer();
  }

  // restore renders the conversation in sessionStorage from its log.
  async function restore(saved, gen) {
    conv = saved;
    var all = [], after = 0;
    for (var i = 0; i < 100; i++) {
      var res = await call("POST", convURL("receive"), { after: after });
      if (gen !== generation) return;
      all = all.concat(res.messages || []);
      if (typeof res.cursor !== "number" || res.cursor <= after) break;
      after = res.cursor;
    }
    var o = "bot";
    all.forEach(function (m) {
      if (m.kind === "action" && m.action === "transfer" && m.transfer && m.transfer.to === "agent") o = "agent";
      else if (m.kind === "action" && m.action === "close") o = "closed";
      else if (m.kind === "event" && (m.text === "agent_done" || m.text === "agent_escalation_failed")) o = "bot";
    });
    await play(all, false, gen);
    if (after > cursor) cursor = after;
    setOwner(o);
  }

  async function begin(fresh) {
    reset();
    var gen = generation;
    var saved = fresh ? null : load();
    if (saved) {
      try {
        await restore(saved, gen);
        return;
      } catch (err) {
        if (gen !== generation) return;
        if (err.status !== 401 && err.status !== 404) {
          conv = null;
          showBanner("error", "The conversation cannot be loaded", friendly(err).replace(/^Not delivered: /, ""),
            "Try again", function () { begin(false); });
          updateComposer();
          return;
        }
        forget();
        reset();
        gen = generation;
      }
    }
    showTyping();
    try {
      var res = await call("POST", "/chat/" + encodeURIComponent(bot) + "/conversations", undefined, { auth: false });
      hideTyping();
      if (gen !== generation) return;
      conv = { id: res.id, token: res.token };
      save();
      await play(res.messages || [], true, gen);
      if (gen !== generation) return;
      if (typeof res.cursor === "number" && res.cursor > cursor) cursor = res.cursor;
      setOwner(res.owner);
    } catch (err) {
      hideTyping();
      if (gen !== generation) return;
      showBanner("error", "The chat cannot start", err.message, "Try again", function () { begin(true); });
      updateComposer();
    }
  }

  function restart() {
    forget();
    begin(true);
    input.focus();
  }

  // ---- the composer ------------------------------------------------------------------

  function grow() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, 128) + "px";
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value;
    if (text.trim() === "" || input.disabled) return;
    input.value = "";
    grow();
    updateComposer();
    sendText(text);
    input.focus();
  });
  // Enter sends, Shift+Enter starts a new line.
  var newline = false;
  input.addEventListener("keydown", function (e) {
    if (e.key !== "Enter") return;
    newline = e.shiftKey;
    if (!e.shiftKey && !e.isComposing) {
      e.preventDefault();
      if (typeof form.requestSubmit === "function") form.requestSubmit();
      else form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });
  input.addEventListener("beforeinput", function (e) {
    // The line break of an Enter that sent the message (some input methods
    // and automation deliver it apart from the keydown).
    if ((e.inputType === "insertLineBreak" || e.inputType === "insertParagraph") && !newline) e.preventDefault();
  });
  input.addEventListener("input", function () {
    grow();
    updateComposer();
  });
  attach.addEventListener("click", function () { fileInput.click(); });
  fileInput.addEventListener("change", function () {
    var f = fileInput.files && fileInput.files[0];
    fileInput.value = "";
    if (f) sendFile(f);
  });
  $("restart").addEventListener("click", restart);
  $("close").addEventListener("click", function () {
    if (window.parent !== window) window.parent.postMessage({ type: "botctl:close" }, "*");
  });

  begin(false);
})();
