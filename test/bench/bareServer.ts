/**
 * The baseline the webhook benches measure against: a bare `node:http` server, run as `node -e`, that reads each request
 * to its end and answers 202 with a small JSON body, printing `ready URL` once it listens.
 */
export const bareServerScript = `
const server = require('node:http').createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(202, { 'content-type': 'application/json' });
    response.end('{"id":"x","queues":["build-scan"]}');
  });
});
server.listen(0, '127.0.0.1', () => console.log('ready http://127.0.0.1:' + server.address().port));
`;
