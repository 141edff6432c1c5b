// Validates Kubernetes manifests offline against the API schemas that the
// kubernetes-models package carries (no cluster, no kubectl).
//   NODE_PATH=/opt/filehttpd-npm/node_modules node validate-k8s.js FILE.yaml...
// Prints "ok FILE KIND NAME" per object; exits 1 at the first invalid one,
// naming it and the schema's complaint, and 2 for an unknown kind.
"use strict";
const fs = require("fs");
const yaml = require("js-yaml");

// "apps/v1" -> "apps/v1", "v1" -> "v1", "policy/v1" -> "policy/v1": the
// package lays its classes out by group and version.
function load(apiVersion, kind) {
  try {
    return require(`kubernetes-models/${apiVersion}/${kind}`)[kind];
  } catch (e) {
    return null;
  }
}

let count = 0;
for (const file of process.argv.slice(2)) {
  for (const doc of yaml.loadAll(fs.readFileSync(file, "utf8"))) {
    if (doc === null || doc === undefined) continue;
    const Model = load(doc.apiVersion, doc.kind);
    if (!Model) {
      console.error(`${file}: no schema for ${doc.apiVersion} ${doc.kind}`);
      process.exit(2);
    }
    const name = doc.metadata && doc.metadata.name;
    try {
      new Model(doc).validate();
    } catch (e) {
      console.error(`${file}: ${doc.kind} ${name}: ${e.message}`);
      process.exit(1);
    }
    console.log(`ok ${file} ${doc.kind} ${name}`);
    ++count;
  }
}
if (count === 0) {
  console.error("no objects");
  process.exit(1);
}
