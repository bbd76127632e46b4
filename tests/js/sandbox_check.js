// Drives unmodified jsforce against a running sandbox org and prints what it saw as JSON.
//
//   node sandbox_check.js http://127.0.0.1:8765
//
// tests/sandbox/test_jsforce.py runs it and compares the output with the org's data.
// Any failure prints {"error": ...} and exits 1.
'use strict';

const jsforce = require('jsforce');

const USERNAME = 'admin@sandbox.local';
const PASSWORD = 'sandbox';
const VERSION = '59.0';

async function collect(stream) {
  const rows = [];
  for await (const row of stream) {
    rows.push(row);
  }
  return rows;
}

async function main(baseUrl) {
  const out = { steps: [] };
  const step = (name) => out.steps.push(name);

  // OAuth username-password flow (chunked form body) and SOAP login.
  const conn = new jsforce.Connection({
    oauth2: { loginUrl: baseUrl, clientId: 'sandbox', clientSecret: 'sandbox' },
    version: VERSION,
  });
  const info = await conn.login(USERNAME, PASSWORD);
  out.userId = info.id;
  out.orgId = info.organizationId;
  out.instanceUrl = conn.instanceUrl;
  step('oauth-login');

  const soap = new jsforce.Connection({ loginUrl: baseUrl, version: VERSION });
  const soapInfo = await soap.login(USERNAME, PASSWORD);
  out.soapUserId = soapInfo.id;
  step('soap-login');

  // Query with autoFetch, and paging by hand with a small batch size.
  const all = await conn.query('SELECT Id, Name, Owner.Name FROM Account ORDER BY Name', {
    autoFetch: true,
    maxFetch: 100000,
  });
  out.accountTotal = all.totalSize;
  out.accountFetched = all.records.length;
  out.firstAccount = all.records[0];
  step('query');

  const headers = { 'Sforce-Query-Options': 'batchSize=200' };
  let page = await conn.query('SELECT Id FROM Contact', { headers });
  let paged = page.records.length;
  out.contactTotal = page.totalSize;
  out.contactPages = 1;
  while (!page.done) {
    page = await conn.queryMore(page.nextRecordsUrl, { headers });
    paged += page.records.length;
    out.contactPages += 1;
  }
  out.contactPaged = paged;
  step('queryMore');

  const sub = await conn.query(
    'SELECT Id, Name, (SELECT Id, LastName FROM Contacts) FROM Account ORDER BY Name LIMIT 5',
  );
  out.subquery = sub.records.map((r) => (r.Contacts === null ? null : r.Contacts.totalSize));
  step('subquery');

  // Describe.
  const global = await conn.describeGlobal();
  out.globalNames = global.sobjects.map((s) => s.name);
  const account = await conn.describe('Account');
  out.accountFields = account.fields.map((f) => f.name);
  out.accountChildren = account.childRelationships.map((c) => c.relationshipName);
  step('describe');

  // DML: single records, arrays (sObject Collections), upsert, retrieve, destroy.
  const created = await conn.sobject('Account').create({ Name: 'jsforce single' });
  out.created = created;
  await conn.sobject('Account').update({ Id: created.id, Name: 'jsforce single (updated)' });
  const fetched = await conn.sobject('Account').retrieve(created.id);
  out.updatedName = fetched.Name;
  const many = await conn
    .sobject('Account')
    .create([{ Name: 'jsforce batch 1' }, { Name: 'jsforce batch 2' }]);
  out.createdMany = many;
  const upserted = await conn
    .sobject('Account')
    .upsert({ Name: 'jsforce upsert', External_Id__c: 'JSFORCE-1' }, 'External_Id__c');
  out.upserted = upserted;
  const destroyed = await conn.sobject('Account').destroy([created.id, ...many.map((m) => m.id)]);
  out.destroyed = destroyed;
  step('dml');

  // Bulk API 2.0 query and ingest.
  conn.bulk2.pollInterval = 200;
  const bulkRows = await collect(await conn.bulk2.query('SELECT Id, Name, Owner.Name FROM Account'));
  out.bulkRows = bulkRows.length;
  out.bulkFirst = bulkRows[0];
  const load = await conn.bulk2.loadAndWaitForResults({
    object: 'Account',
    operation: 'insert',
    input: [{ Name: 'jsforce bulk 1' }, { Name: 'jsforce bulk 2' }],
    pollInterval: 200,
  });
  out.bulkLoad = {
    successful: load.successfulResults.length,
    failed: load.failedResults.length,
    ids: load.successfulResults.map((r) => r.sf__Id),
  };
  step('bulk2');

  // Limits header and identity.
  await conn.limits();
  out.apiUsage = conn.limitInfo.apiUsage;
  const identity = await conn.identity();
  out.identityUsername = identity.username;
  step('limits-identity');

  // SOAP logout ends the session it was given.
  const soapToken = soap.accessToken;
  await soap.logout();
  const probe = new jsforce.Connection({ instanceUrl: baseUrl, accessToken: soapToken, version: VERSION });
  try {
    await probe.query('SELECT Id FROM Account LIMIT 1');
    out.afterLogout = 'still valid';
  } catch (err) {
    out.afterLogout = err.errorCode || err.name;
  }
  step('logout');

  return out;
}

main(process.argv[2])
  .then((out) => {
    process.stdout.write(JSON.stringify(out));
  })
  .catch((err) => {
    process.stdout.write(JSON.stringify({ error: `${err.name}: ${err.message}`, stack: err.stack }));
    process.exit(1);
  });
