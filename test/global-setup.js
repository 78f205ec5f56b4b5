// Tests start real worker and inbound SMTP server processes from their compiled apps; build them once per run.
const { execSync } = require('node:child_process');

module.exports = async () => {
  execSync('npx nest build worker', { cwd: __dirname + '/..', stdio: 'inherit' });
  execSync('npx nest build inbound', { cwd: __dirname + '/..', stdio: 'inherit' });
};
