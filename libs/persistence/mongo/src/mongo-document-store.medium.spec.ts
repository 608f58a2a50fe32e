import { describeDocumentStoreContract } from '@nidus/testing';
import { MongoDocumentStore } from './mongo-document-store';

// Runs against the MongoDB wire server that `tools/infra/infra.sh up mongo` starts (FerretDB v1.24, MONGODB_URI);
// the same suite is meant for MongoDB 6+ (set MONGODB_URI to one).
const uri = process.env['MONGODB_URI'] ?? 'mongodb://127.0.0.1:27117/nidus';

describeDocumentStoreContract('MongoDB via mongoose', () => ({
  open: () => MongoDocumentStore.connect({ uri, dbName: 'nidus_contract' }),
}));

// MongoDB reads a getMany with one `$in` query; FerretDB (above) with a read by key each. Both ways on this server:
describeDocumentStoreContract('MongoDB via mongoose, getMany as one $in query', () => ({
  open: () => MongoDocumentStore.connect({ uri, dbName: 'nidus_contract', getMany: 'in-query' }),
}));
