#!/usr/bin/env node
// `npm start`: apply migrations, then run the API, one worker and the inbound SMTP server side by side (Ctrl-C
// stops them all).
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
const entry = (app) => join(root, `dist/apps/${app}/apps/${app}/src/main.js`);

const migrated = spawnSync(process.execPath, [entry('cli'), 'migrate'], { stdio: 'inherit' });
if (migrated.status !== 0) process.exit(migrated.status ?? 1);

const children = ['api', 'worker', 'inbound'].map((app) => {
  const child = spawn(process.execPath, [entry(app)], { stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${app} exited (${signal ?? code}); stopping`);
      stop(code ?? 1);
    }
  });
  return child;
});

let stopping = false;
function stop(code) {
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 15000).unref();
  Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r() : c.on('exit', r))))).then(() =>
    process.exit(code),
  );
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
