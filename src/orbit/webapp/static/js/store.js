// Topics picked while browsing, searching or analyzing a site: kept for this tab (sessionStorage)
// until an audience is built from them.

const KEY = "orbit.picked";
const MAX = 250; // the API's topic limit per audience

export function picked() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || "[]");
  } catch {
    return [];
  }
}

function save(list) {
  sessionStorage.setItem(KEY, JSON.stringify(list.slice(0, MAX)));
  window.dispatchEvent(new CustomEvent("orbit:picked"));
}

export const isPicked = (id) => picked().some((t) => t.topicId === id);

export function pick(topic) {
  if (isPicked(topic.topicId)) return;
  save([...picked(), { topicId: topic.topicId, topicName: topic.topicName }]);
}

export function unpick(id) {
  save(picked().filter((t) => t.topicId !== id));
}

export function setPicked(list) {
  save(list);
}
