// Tests start real worker processes from the compiled worker; build it once per run.
const { execSync } = require('node:child_process');

module.exports = async () => {
  execSync('npx nest build worker', { cwd: __dirname + '/..', stdio: 'inherit' });
};
