const fs = require('fs');
const path = require('path');

const CACHE_DIR = process.env.CACHE_DIR || '/var/cache/app';

function readCached(key) {
  const file = path.join(CACHE_DIR, key + '.json');
  if (fs.existsSync(file)) {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  }
  return undefined;
}

function writeCached(key, value) {
  const file = path.join(CACHE_DIR, key + '.json');
  fs.stat(file, (err) => {
    if (!err) return;
    fs.writeFile(file, JSON.stringify(value), () => {});
  });
}

module.exports = { readCached, writeCached };
