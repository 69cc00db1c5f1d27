// platform-api web page: guest sign-in, organization, project, chat, canned actions and
// live counters. Counters change only from the live WebSocket feed, so what you see is
// what every other client of the project sees, whichever instance served the action.
"use strict";

const ACTIONS = [
  ["thumbs_up", "👍 Thumbs up"], ["thumbs_down", "👎 Thumbs down"], ["ready", "Ready"], ["blocked", "Blocked"],
  ["review", "Review"], ["deployed", "Deployed"], ["tests_green", "Tests green"],
  ["poll_yes", "Poll: yes"], ["poll_no", "Poll: no"],
];

const state = { token: null, user: null, org: null, project: null, chats: [], socket: null, counters: {} };

const $ = (id) => document.getElementById(id);

function setStatus(text, error) {
  const status = $("status");
  status.textContent = text;
  status.className = error ? "error" : "";
}

async function api(method, path, body, headers) {
  const init = { method, headers: Object.assign({}, headers || {}) };
  if (state.token) init.headers.Authorization = "Bearer " + state.token;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  const json = text ? JSON.parse(text) : {};
  if (!response.ok && response.status !== 409) {
    throw new Error((json.error && json.error.message) || response.status + " " + response.statusText);
  }
  return { status: response.status, json };
}

function show(id) { $(id).hidden = false; }

async function signIn() {
  const { json } = await api("POST", "/auth/guest");
  state.token = json.access_token;
  state.user = json.user;
  $("guest-key").textContent = json.user.guest_key;
  $("signin").disabled = true;
  const regions = (await api("GET", "/regions")).json.regions;
  const select = $("org-region");
  select.replaceChildren(...regions.map((region) => new Option(region, region)));
  const suffix = json.user.guest_key.replace("guest-", "");
  $("org-slug").value = "team-" + suffix;
  $("org-name").value = "Team " + suffix;
  show("step-org");
  setStatus("Signed in as " + json.user.guest_key + ". Create an organization.");
}

async function createOrganization(event) {
  event.preventDefault();
  const body = {
    operation_id: "web-" + crypto.randomUUID(),
    slug: $("org-slug").value, display_name: $("org-name").value, home_region: $("org-region").value,
  };
  const { status, json } = await api("POST", "/orgs", body);
  if (json.status !== "COMMITTED") {
    throw new Error(json.error ? json.error.message : "organization " + json.status + " (" + (json.failure_reason || status) + ")");
  }
  state.org = json;
  $("org-result").textContent = json.display_name + " (" + json.status + ", " + json.home_region + ")";
  $("org-create").disabled = true;
  $("project-slug").value = "app";
  $("project-name").value = "App";
  show("step-project");
  setStatus("Organization created. Create a project.");
}

async function createProject(event) {
  event.preventDefault();
  const { json } = await api("POST", "/orgs/" + state.org.id + "/projects", {
    slug: $("project-slug").value, display_name: $("project-name").value,
  });
  if (!json.id) throw new Error(json.error ? json.error.message : "project not created");
  state.project = json;
  $("project-result").textContent = json.display_name + " (you are " + json.role + ")";
  $("project-create").disabled = true;
  show("step-chat");
  show("step-counters");
  connectLive();
  setStatus("Project ready. Open a chat and press an action.");
}

function base() { return "/orgs/" + state.org.id + "/projects/" + state.project.id; }

function renderChats() {
  $("chats").replaceChildren(...state.chats.map((chat, index) => {
    const item = document.createElement("li");
    item.textContent = "Chat in slot " + chat.slot + (index === state.chats.length - 1 ? " (current)" : "");
    return item;
  }));
  $("actions").querySelectorAll("button").forEach((button) => { button.disabled = state.chats.length === 0; });
}

async function openChat() {
  const { json } = await api("POST", base() + "/chats");
  if (json.closed) state.chats = state.chats.filter((chat) => chat.id !== json.closed.id);
  state.chats.push(json.chat);
  renderChats();
  setStatus(json.closed ? "Opened a chat; the oldest was closed (3 at most)." : "Chat open. Press a canned action.");
}

async function sendAction(action) {
  const chat = state.chats[state.chats.length - 1];
  await api("POST", base() + "/chats/" + chat.id + "/actions", { action });
}

function renderCounters() {
  $("counters").tBodies[0].replaceChildren(...ACTIONS.map(([action, label]) => {
    const row = document.createElement("tr");
    const name = document.createElement("td");
    name.textContent = label;
    const count = document.createElement("td");
    count.id = "counter-" + action;
    count.textContent = String(state.counters[action] || 0);
    row.append(name, count);
    return row;
  }));
}

function connectLive() {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  // Browsers cannot set headers on a WebSocket: the token travels as a subprotocol, never in the URL.
  const socket = new WebSocket(scheme + location.host + base() + "/live", ["bearer", state.token]);
  state.socket = socket;
  socket.onopen = () => { $("live-status").textContent = "live"; $("live-status").className = "badge on"; };
  socket.onclose = () => { $("live-status").textContent = "offline"; $("live-status").className = "badge off"; };
  socket.onmessage = (message) => {
    const event = JSON.parse(message.data);
    if (event.type === "counters") {
      state.counters = event.counters;
    } else if (event.type === "action") {
      // Counts only grow: keep the highest seen, whatever order updates arrive in.
      state.counters[event.action] = Math.max(state.counters[event.action] || 0, event.count);
      const label = (ACTIONS.find(([action]) => action === event.action) || [event.action, event.action])[1];
      const item = document.createElement("li");
      item.textContent = label + " → " + event.count;
      $("feed").prepend(item);
      while ($("feed").children.length > 8) $("feed").lastChild.remove();
    }
    renderCounters();
  };
}

function guard(handler) {
  return async (event) => {
    try {
      await handler(event);
    } catch (error) {
      setStatus(error.message, true);
    }
  };
}

function setup() {
  $("signin").addEventListener("click", guard(signIn));
  $("org-form").addEventListener("submit", guard(createOrganization));
  $("project-form").addEventListener("submit", guard(createProject));
  $("chat-open").addEventListener("click", guard(openChat));
  $("actions").replaceChildren(...ACTIONS.map(([action, label]) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.dataset.action = action;
    button.disabled = true;
    button.addEventListener("click", guard(() => sendAction(action)));
    return button;
  }));
  renderCounters();
}

setup();
