// The dashboard shell: key entry, hash routing between the four pages, focus management.
import { getKey, setKey } from "./http.js";
import { route } from "./api-client.js";
import { message } from "./ui.js";

const PAGES = {
  overview: { title: "Overview", load: () => import("./pages/overview.js") },
  displacement: { title: "Displacement", load: () => import("./pages/displacement.js") },
  households: { title: "Households", load: () => import("./pages/households.js") },
  data: { title: "Data", load: () => import("./pages/data.js") },
};

const main = document.getElementById("main");
const keyInput = document.getElementById("api-key");
const keyStatus = document.getElementById("key-status");
let current = null;
let firstRender = true;

async function showKeyStatus() {
  if (!getKey()) {
    keyStatus.textContent = "no key entered";
    return;
  }
  try {
    const me = await route("GET /api/me")();
    keyStatus.textContent = `signed in: ${me.role}`;
  } catch (error) {
    keyStatus.textContent = error.status === 401 ? "key not accepted" : "key not checked";
  }
}

let queue = Promise.resolve();

// Renders run one after another, so a page is always unmounted before the next one mounts.
function render() {
  queue = queue.then(renderNow, renderNow);
  return queue;
}

async function renderNow() {
  document.body.dataset.ready = "false";
  const name = (window.location.hash.replace(/^#\/?/, "") || "overview").split("?")[0];
  const page = PAGES[name] ? name : "overview";
  for (const link of document.querySelectorAll(".nav-list a")) {
    if (link.dataset.page === page) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${PAGES[page].title} · ruralmig dashboard`;
  if (current && current.unmount) current.unmount();
  main.replaceChildren(message(`Loading ${PAGES[page].title}…`));
  current = null;
  if (!getKey()) {
    main.replaceChildren(
      message("Enter an API key above to see this page (`ruralmig demo` prints a viewer key; analysts can launch jobs and upload)."),
    );
  } else {
    try {
      const module = await PAGES[page].load();
      current = module;
      await module.mount(main);
    } catch (error) {
      main.replaceChildren(message(`This page could not be shown: ${error.message || error}`, "error"));
    }
  }
  document.body.dataset.page = page;
  document.body.dataset.ready = "true";
  if (!firstRender) main.focus();
  firstRender = false;
}

document.getElementById("key-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  setKey(keyInput.value);
  keyInput.value = "";
  await showKeyStatus();
  await render();
});
document.getElementById("key-forget").addEventListener("click", async () => {
  setKey("");
  await showKeyStatus();
  await render();
});
window.addEventListener("hashchange", () => {
  document.body.dataset.ready = "false";
  render();
});

showKeyStatus();
render();
