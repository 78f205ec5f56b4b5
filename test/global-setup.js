// Tests start real worker, inbound SMTP server and (a second, third) API processes from their compiled apps;
// build them once per run, side by side (each build is mostly one tsc process).
const { spawn } = require('node:child_process');

const build = (app) =>
  new Promise((resolve, reject) => {
    const child = spawn('npx', ['nest', 'build', app], { cwd: __dirname + '/..', stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`nest build ${app} exited with ${code}`)),
    );
  });

module.exports = async () => {
  await Promise.all([build('worker'), build('inbound'), build('api')]);
};
