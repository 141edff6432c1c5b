// Checks what deploy/kubernetes promises beyond schema validity: the probes
// use the configured health path, the grace period outlasts shutdown_delay +
// shutdown_timeout, the pod runs locked down, the TLS Secret is mounted so
// renewals reach the watch, and the Service and the PodDisruptionBudget
// select the Deployment's pods.
//   NODE_PATH=/opt/filehttpd-npm/node_modules node check-deploy.js DIR OUT.toml
// Writes the ConfigMap's filehttpd.toml to OUT.toml (for filehttpd -t); prints
// one line per failed check and exits 1 when any failed.
"use strict";
const fs = require("fs");
const path = require("path");
const yaml = require("js-yaml");

const [dir, tomlOut] = process.argv.slice(2);
const objs = {};
for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".yaml"))) {
  for (const doc of yaml.loadAll(fs.readFileSync(path.join(dir, f), "utf8"))) if (doc) objs[doc.kind] = doc;
}
const failures = [];
const check = (ok, what) => {
  if (!ok) failures.push(what);
};

const toml = objs.ConfigMap && objs.ConfigMap.data && objs.ConfigMap.data["filehttpd.toml"];
check(typeof toml === "string", "the ConfigMap holds filehttpd.toml");
fs.writeFileSync(tomlOut, toml || "");
// Top-level and [health] keys of the TOML (enough for these checks).
function key(section, name) {
  let current = "";
  for (const line of (toml || "").split("\n")) {
    const s = line.match(/^\[([a-z_]+)\]/);
    if (s) current = s[1];
    const m = line.match(/^([a-z_]+)\s*=\s*"([^"]*)"/);
    if (m && current === section && m[1] === name) return m[2];
  }
  return undefined;
}
function seconds(d) {
  const m = /^(\d+)(ms|s|m)$/.exec(d || "0s");
  if (!m) return NaN;
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60 }[m[2]];
}
const health = key("health", "path");
const stopping = seconds(key("", "shutdown_delay")) + seconds(key("", "shutdown_timeout") || "5s");
check(health, "the config sets health.path");

const dep = objs.Deployment;
check(dep, "a Deployment");
const pod = (dep && dep.spec.template) || { metadata: {}, spec: { containers: [{}] } };
const c = pod.spec.containers[0];
check(dep && dep.spec.replicas === 3, "3 replicas");
for (const probe of ["readinessProbe", "livenessProbe"]) {
  const p = c[probe] || {};
  check(p.httpGet && p.httpGet.path === health, `${probe} asks ${health}`);
}
const grace = pod.spec.terminationGracePeriodSeconds;
check(grace > stopping, `terminationGracePeriodSeconds ${grace} > shutdown_delay + shutdown_timeout (${stopping}s)`);
const live = c.livenessProbe || {};
check(
  (live.periodSeconds || 10) * (live.failureThreshold || 3) > stopping,
  "the liveness probe tolerates a stopping pod's 503 for longer than the stop takes",
);
const podSec = pod.spec.securityContext || {};
const sec = c.securityContext || {};
check(sec.runAsNonRoot === true || podSec.runAsNonRoot === true, "runAsNonRoot");
check(sec.readOnlyRootFilesystem === true, "readOnlyRootFilesystem");
check(sec.allowPrivilegeEscalation === false, "allowPrivilegeEscalation false");
check(sec.capabilities && (sec.capabilities.drop || []).includes("ALL"), "every capability dropped");
check((c.args || []).includes("/etc/filehttpd/filehttpd.toml"), "the container reads the mounted config");
const mounts = (c.volumeMounts || []).map((m) => m.mountPath);
check(mounts.includes("/etc/filehttpd"), "the ConfigMap is mounted at /etc/filehttpd");
check(mounts.includes(key("cgi", "body_dir") || "/tmp"), "cgi.body_dir is a writable mount");

// HTTPS: every certificate and key in [tls] lies in a Secret volume mounted
// whole (a subPath mount never sees a renewed Secret), and the watch is on.
const certPaths = [...(toml || "").matchAll(/(?:cert|key)\s*=\s*"([^"]+)"/g)].map((m) => m[1]);
check(certPaths.length > 0, "[tls] names a certificate and a key");
const secretVolumes = (pod.spec.volumes || []).filter((v) => v.secret).map((v) => v.name);
for (const p of certPaths) {
  const m = (c.volumeMounts || []).find((m) => p.startsWith(m.mountPath.replace(/\/?$/, "/")));
  check(m && secretVolumes.includes(m.name), `${p} is in a mounted Secret`);
  check(m && !m.subPath, `${p}'s Secret is mounted whole, without subPath`);
}
check(!/^\s*watch\s*=\s*false/m.test(toml || ""), "tls.watch is on, so a renewed Secret is picked up");

const labels = pod.metadata.labels || {};
const selects = (sel) => sel && Object.entries(sel).every(([k, v]) => labels[k] === v);
const svc = objs.Service;
check(svc && selects(svc.spec.selector), "the Service selects the pods");
const portNames = (c.ports || []).map((p) => p.name);
check(svc && svc.spec.ports.every((p) => portNames.includes(p.targetPort)), "the Service targets a named container port");
const pdb = objs.PodDisruptionBudget;
check(pdb && selects(pdb.spec.selector.matchLabels), "the PodDisruptionBudget selects the pods");
check(pdb && pdb.spec.minAvailable < (dep ? dep.spec.replicas : 0), "the PodDisruptionBudget leaves room to drain a node");

for (const f of failures) console.log(`FAILED: ${f}`);
process.exit(failures.length ? 1 : 0);
