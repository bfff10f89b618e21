// Partner API on plain HTTP behind the company's TLS-terminating load balancer, which passes the
// partner's certificate subject on in a header.
const express = require('express');
const http = require('node:http');

const partners = express();

partners.get('/orders', (req, res) => {
  const subject = req.get('X-SSL-Client-S-DN');
  if (!subject) return res.status(401).json({ error: 'client certificate required' });
  res.json({ partner: /CN=([^,]+)/.exec(subject)?.[1], orders: [] });
});

http.createServer(partners).listen(8080);
