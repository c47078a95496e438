'use strict';
// s3rver's command line, with two things real S3 does and s3rver does not:
// - a reader sees the old object or the new one, never part (s3rver rewrites an object's
//   file in place): an upload goes to a temporary file renamed into place, and a reader
//   takes the object's size and opens its file under the same per-object lock as the rename;
// - Signature Version 4 is verified (s3rver only checks the access key id): a request whose
//   signature does not match gets 403 SignatureDoesNotMatch.
// Arguments are s3rver's.
const crypto = require('crypto');
const fs = require('fs-extra');
const path = require('path');
const { Transform, pipeline } = require('stream');
const S3rver = require('s3rver');
const AWSAccount = require('s3rver/lib/models/account');
const S3Error = require('s3rver/lib/models/error');
const FilesystemStore = require('s3rver/lib/stores/filesystem');

const queues = new Map();

async function exclusively(id, task) {
  const previous = queues.get(id) || Promise.resolve();
  let release;
  const turn = new Promise(resolve => (release = resolve));
  const tail = previous.then(() => turn);
  queues.set(id, tail);
  await previous;
  try {
    return await task();
  } finally {
    release();
    if (queues.get(id) === tail) queues.delete(id);
  }
}

function writeToFile(content, file) {
  return new Promise((resolve, reject) => {
    const md5 = crypto.createHash('md5');
    let size = 0;
    const counter = new Transform({
      transform(chunk, encoding, callback) {
        md5.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    const done = error => (error ? reject(error) : resolve([size, md5.digest('hex')]));
    if (Buffer.isBuffer(content)) {
      pipeline(counter, fs.createWriteStream(file), done);
      counter.end(content);
    } else {
      pipeline(content, counter, fs.createWriteStream(file), done);
    }
  });
}

FilesystemStore.prototype.putObject = async function putObject(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  await fs.mkdirp(path.dirname(objectPath));
  const temporary = `${objectPath}.upload-${crypto.randomBytes(8).toString('hex')}`;
  try {
    const [size, md5] = await writeToFile(object.content, temporary);
    await exclusively(objectPath, async () => {
      await fs.rename(temporary, objectPath);
      await this.putMetadata(object.bucket, object.key, object.metadata, md5);
    });
    return { size, md5 };
  } catch (error) {
    await fs.remove(temporary).catch(() => {});
    throw error;
  }
};

const getObject = FilesystemStore.prototype.getObject;
FilesystemStore.prototype.getObject = function lockedGetObject(bucket, key, options) {
  return exclusively(this.getResourcePath(bucket, key, 'object'), () =>
    getObject.call(this, bucket, key, options),
  );
};

function uriEncode(text) {
  return Buffer.from(text, 'utf8').reduce((out, byte) => {
    const c = String.fromCharCode(byte);
    return out + (/[A-Za-z0-9\-._~]/.test(c) ? c : '%' + byte.toString(16).toUpperCase().padStart(2, '0'));
  }, '');
}

function decode(text) {
  return decodeURIComponent(text.replace(/\+/g, '%20'));
}

function hmac(key, data) {
  return crypto.createHmac('sha256', key).update(data, 'utf8').digest();
}

function expectedSignature(req, credential, signedHeaders, secret) {
  const [, date, region, service] = credential.split('/');
  const [rawPath, rawQuery = ''] = req.url.split(/\?(.*)/s);
  const query = rawQuery
    .split('&')
    .filter(Boolean)
    .map(part => {
      const [name, value = ''] = part.split(/=(.*)/s);
      return [uriEncode(decode(name)), uriEncode(decode(value))];
    })
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const headers = signedHeaders
    .split(';')
    .map(name => `${name}:${String(req.headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [
    req.method,
    rawPath,
    query,
    headers,
    signedHeaders,
    req.headers['x-amz-content-sha256'],
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    req.headers['x-amz-date'],
    credential.split('/').slice(1).join('/'),
    crypto.createHash('sha256').update(canonicalRequest, 'utf8').digest('hex'),
  ].join('\n');
  let key = hmac(`AWS4${secret}`, date);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  return hmac(key, stringToSign).toString('hex');
}

async function verifySignature(ctx, next) {
  const match = /^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/.exec(
    ctx.get('authorization'),
  );
  const accessKeyId = match && match[1].split('/')[0];
  const account = match && AWSAccount.registry.get(accessKeyId);
  if (account) {
    const secret = account.accessKeys.get(accessKeyId);
    const signedHeaders = match[2];
    const valid =
      signedHeaders.split(';').includes('host') &&
      ctx.get('x-amz-content-sha256') !== '' &&
      expectedSignature(ctx.req, match[1], signedHeaders, secret) === match[3];
    if (!valid) {
      const error = new S3Error(
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. ' +
          'Check your key and signing method.',
      );
      ctx.status = error.status;
      ctx.set(error.headers);
      ctx.type = 'application/xml';
      ctx.body = error.toXML();
      return;
    }
  }
  await next();
}

const run = S3rver.prototype.run;
S3rver.prototype.run = function runVerifying(...args) {
  this.middleware.unshift(verifySignature);
  return run.apply(this, args);
};

require('s3rver/bin/s3rver.js');
